from __future__ import annotations

from ...engines import Registry
from ...errors import EngineUnavailable
from .base import Synthesizer, Voice
from .coqui import CoquiEngine
from .espeak import EspeakEngine
from .piper import PiperEngine

# a new engine is one file and one line here
ENGINES: Registry[Synthesizer] = Registry("TTS engine", {"piper": PiperEngine, "espeak-ng": EspeakEngine, "coqui": CoquiEngine})


def get_engine(name: str) -> Synthesizer:
    return ENGINES.engine(name)


def default_voice(language: str, engine: str | None = None) -> Voice:
    """The first engine (in registry order, or the one asked for) that speaks the language."""
    for name in [engine] if engine else list(ENGINES):
        if get_engine(name).supports(language):
            return Voice(engine=name, language=language)
    raise EngineUnavailable(f"no TTS engine speaks {language!r} (tried {engine or ', '.join(ENGINES)})")
