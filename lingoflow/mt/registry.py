from __future__ import annotations

from ..engines import Registry
from ..errors import ConfigError, EngineUnavailable
from . import hf_models
from .bergamot import BergamotEngine
from .base import MtEngine
from .ctranslate2 import CTranslate2Engine
from .transformers_engine import TransformersEngine

# a new engine is one file and one line here
ENGINES: Registry[MtEngine] = Registry("MT engine", {
    "bergamot": BergamotEngine,
    "ctranslate2": CTranslate2Engine,
    "transformers": TransformersEngine,
})


def _takes_model(name: str) -> bool:
    return ENGINES[name].takes_model


def get_engine(name: str, models: tuple[str, ...] | list[str] = ()) -> MtEngine:
    """One instance per engine (and, for engines that load a named model, per list of models)."""
    if name in ENGINES and _takes_model(name):
        return ENGINES.engine(name, tuple(models))
    return ENGINES.engine(name)


def select_engine(source: str, target: str, preferred: str | None = None, models: tuple[str, ...] | list[str] = ()) -> MtEngine:
    """The engine for a pair: the one asked for, else the first registered that serves it.

    When an MT model is named for the pair (``--mt-model``), only engines that load named
    models are candidates: the first of them by default (ctranslate2).
    """
    models = tuple(models)
    hf_models.check(models)
    named = hf_models.for_pair(models, source, target) if models else None
    if preferred:
        if preferred in ENGINES and named is not None and not _takes_model(preferred):
            raise ConfigError(f"MT engine {preferred!r} uses its own embedded models; --mt-model {named.name} needs ctranslate2 or transformers")
        candidates = [preferred]
    elif named is not None:
        candidates = [n for n in ENGINES if _takes_model(n)]
    else:
        candidates = list(ENGINES)
    for name in candidates:
        engine = get_engine(name, models)
        if engine.supports(source, target):
            return engine
    raise EngineUnavailable(f"no translation engine for {source}->{target}: {describe(preferred, models)}")


def _pair_list(pairs: list[tuple[str, str]]) -> str:
    shown = ["any NLLB-200 pair" if p == ("*", "*") else f"{p[0]}->{p[1]}" for p in pairs[:8]]
    return ", ".join(shown) + (f" and {len(pairs) - 8} more" if len(pairs) > 8 else "")


def describe(preferred: str | None = None, models: tuple[str, ...] | list[str] = ()) -> str:
    """What the installed engines serve, and what to do about a missing pair."""
    names = [preferred] if preferred else list(ENGINES)
    listing = "; ".join(
        f"{n} serves {_pair_list(get_engine(n, models).pairs()) or ('nothing (no --mt-model given)' if _takes_model(n) else 'nothing (not installed)')}"
        for n in names
    )
    return f"{listing}. Install or configure an engine and model for this pair (--mt-engine/--mt-model)"


def any_engine_for_target(target: str, preferred: str | None = None, models: tuple[str, ...] | list[str] = ()) -> bool:
    hf_models.check(tuple(models))
    names = [preferred] if preferred else list(ENGINES)
    for n in names:
        for pair in get_engine(n, models).pairs():
            if pair[1] == target or (pair == ("*", "*") and hf_models.nllb_code(target)):
                return True
    return False
