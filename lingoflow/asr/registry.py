from __future__ import annotations

from ..errors import ConfigError
from .base import Transcriber


def get_transcriber(engine: str = "faster-whisper") -> Transcriber:
    if engine == "faster-whisper":
        from .faster_whisper import FasterWhisperTranscriber

        return FasterWhisperTranscriber()
    raise ConfigError(f"unknown ASR engine {engine!r} (available: faster-whisper)")
