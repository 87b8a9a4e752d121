from __future__ import annotations

from ..errors import ConfigError
from .base import Transcriber
from .faster_whisper import FasterWhisperTranscriber

# engine name -> class; a new engine is one file and one line here
ENGINES: dict[str, type] = {"faster-whisper": FasterWhisperTranscriber}


def get_transcriber(engine: str = "faster-whisper") -> Transcriber:
    if engine not in ENGINES:
        raise ConfigError(f"unknown ASR engine {engine!r} (available: {', '.join(ENGINES)})")
    return ENGINES[engine]()
