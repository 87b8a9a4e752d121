from __future__ import annotations

from ..errors import ConfigError, EngineUnavailable
from .base import Synthesizer, Voice
from .coqui import CoquiEngine
from .espeak import EspeakEngine
from .piper import PiperEngine

# engine name -> class; a new engine is one file and one line here
ENGINES: dict[str, type] = {"piper": PiperEngine, "espeak-ng": EspeakEngine, "coqui": CoquiEngine}
_instances: dict[str, Synthesizer] = {}


def get_engine(name: str) -> Synthesizer:
    if name not in ENGINES:
        raise ConfigError(f"unknown TTS engine {name!r} (available: {', '.join(ENGINES)})")
    if name not in _instances:
        _instances[name] = ENGINES[name]()
    return _instances[name]


def default_voice(language: str, engine: str | None = None) -> Voice:
    """The first engine (in registry order, or the one asked for) that speaks the language."""
    for name in [engine] if engine else list(ENGINES):
        if get_engine(name).supports(language):
            return Voice(engine=name, language=language)
    raise EngineUnavailable(f"no TTS engine speaks {language!r} (tried {engine or ', '.join(ENGINES)})")
