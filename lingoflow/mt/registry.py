from __future__ import annotations

from ..errors import ConfigError, EngineUnavailable
from .bergamot import BergamotEngine
from .base import MtEngine

# engine name -> class; a new engine is one file and one line here
ENGINES: dict[str, type] = {"bergamot": BergamotEngine}
_instances: dict[str, MtEngine] = {}


def get_engine(name: str) -> MtEngine:
    if name not in ENGINES:
        raise ConfigError(f"unknown MT engine {name!r} (available: {', '.join(ENGINES)})")
    if name not in _instances:
        _instances[name] = ENGINES[name]()
    return _instances[name]


def select_engine(source: str, target: str, preferred: str | None = None) -> MtEngine:
    """The engine for a pair: the one asked for, else the first registered that serves it."""
    candidates = [preferred] if preferred else list(ENGINES)
    for name in candidates:
        engine = get_engine(name)
        if engine.supports(source, target):
            return engine
    raise EngineUnavailable(f"no translation engine for {source}->{target}: {describe(preferred)}")


def describe(preferred: str | None = None) -> str:
    """What the installed engines serve, and what to do about a missing pair."""
    names = [preferred] if preferred else list(ENGINES)
    listing = "; ".join(
        f"{n} serves {', '.join(f'{a}->{b}' for a, b in get_engine(n).pairs()) or 'nothing (not installed)'}" for n in names
    )
    return f"{listing}. Install or configure an engine and model for this pair (--mt-engine/--mt-model)"


def any_engine_for_target(target: str, preferred: str | None = None) -> bool:
    names = [preferred] if preferred else list(ENGINES)
    return any(b == target for n in names for _, b in get_engine(n).pairs())
