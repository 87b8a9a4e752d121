from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..schema import Segment


@dataclass(frozen=True)
class AsrOptions:
    model: str = "base"  # embedded name, hub name or a local CTranslate2 folder
    language: str | None = None  # None: detect
    beam_size: int = 5
    vad: bool = True
    hotwords: str | None = None
    multilingual: bool = False  # detect the language of every 30 s window (code-switching)
    compute_type: str = "int8"
    device: str = "cpu"
    drop_fragments: bool = True  # asr/fragments.py: what Whisper makes up over silence and noise
    batch_size: int = 0  # 0: the sequential decoder; N: N pause-cut chunks decoded at once (batched.py)
    languages: tuple[str, ...] = ()  # allow-list: the language is decided within it (language.py)
    prior: tuple[str, ...] = ()  # the library's languages: an unsure file is decided within them
    defer_unsure: bool = False  # an unsure file is not decoded: its result says so (the library decides it later)
    # False: one temperature-0 decode, none hotter, and a window Whisper finds likelier silence than
    # speech (no-speech probability over 0.6) skipped whatever its log probability (what is decoded
    # on the off chance: diarize/redecode.py)
    fallback: bool = True


@dataclass
class AsrResult:
    language: str
    language_probability: float
    segments: list[Segment]
    dropped: list[tuple[Segment, str]] = field(default_factory=list)  # fragments left out, each with why
    language_id: object = None  # language.LanguageId: how the language was decided (None: an engine without one)
    deferred: bool = False  # unsure and defer_unsure: nothing decoded


class Transcriber:
    """A speech recognition engine; the optional hooks do nothing unless an engine needs them."""

    name: str = ""

    def model_identity(self, model: str) -> str:
        """What identifies the weights of `model` (for cache keys): a hash or a name@revision."""
        raise NotImplementedError

    def transcribe(self, audio: np.ndarray, options: AsrOptions, on_progress: Callable[[float], None] | None = None) -> AsrResult:
        raise NotImplementedError

    def transcribe_packed(self, audios: list[np.ndarray], options: AsrOptions) -> list[AsrResult | None]:
        """Several files at once, where the engine can share its windows among short files
        (asr/packing.py); None for a file it leaves to `transcribe` alone (by default, every file)."""
        return [None] * len(audios)

    def locate(self, options: AsrOptions) -> None:
        """Find the model without loading it (ConfigError naming it when missing)."""

    def load(self, options: AsrOptions) -> None:
        """Load the model now (ConfigError naming it when missing or damaged)."""

    def import_runtime(self) -> None:
        """Import the engine's libraries in the calling thread (a load in another thread then
        imports nothing a concurrent import could meet half-initialized)."""
