"""One engine registry for every kind (speech recognition, translation, synthesis, diarization):
engine names to classes, and one instance per name (and per constructor arguments). A new engine
is one module implementing its package's base class (base.py, every optional hook declared there
with its default) and one line in its package's registry.py."""
from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar

from .errors import ConfigError

E = TypeVar("E")


class Registry(dict, Generic[E]):
    """name -> engine class, in the order engines are preferred."""

    def __init__(self, kind: str, engines: dict[str, type[E]], also: str = ""):
        super().__init__(engines)
        self.kind, self.also = kind, also  # also: names the option takes besides the engines ("'none'")
        self._instances: dict[tuple, E] = {}
        self._lock = threading.Lock()

    def engine(self, name: str, *args: Any) -> E:
        """The engine called `name` (made once per process and arguments); ConfigError naming the
        registered ones for an unknown name."""
        if name not in self:
            raise ConfigError(f"unknown {self.kind} {name!r} (available: {', '.join(self)}{', or ' + self.also if self.also else ''})")
        key = (name, *args)
        with self._lock:
            if key not in self._instances:
                self._instances[key] = self[name](*args)
            return self._instances[key]
