from __future__ import annotations

from ..engines import Registry
from .base import Transcriber
from .faster_whisper import FasterWhisperTranscriber

# a new engine is one file and one line here
ENGINES: Registry[Transcriber] = Registry("ASR engine", {"faster-whisper": FasterWhisperTranscriber})


def get_transcriber(engine: str = "faster-whisper") -> Transcriber:
    return ENGINES.engine(engine)
