"""Progress events from stages to whoever shows them (the CLI's rich bars); no-op by default.

Kept outside Prefect so the core reports progress the same way whether it runs under the
CLI, a worker or a test.
"""
from __future__ import annotations

import threading
from typing import Callable

Listener = Callable[[str, str, float], None]  # (item, stage, fraction done 0..1)
_listeners: list[Listener] = []
_lock = threading.Lock()


def subscribe(listener: Listener) -> Callable[[], None]:
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def emit(item: str, stage: str, fraction: float) -> None:
    for listener in list(_listeners):
        listener(item, stage, fraction)
