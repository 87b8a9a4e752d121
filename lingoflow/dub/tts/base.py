from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Voice:
    """An engine and its settings for one language; a speaker's dub voice."""

    engine: str
    language: str
    name: str | None = None  # engine voice: espeak-ng voice name, Piper model, ...
    variant: str | None = None  # espeak-ng variant (m1..m7, f1..f5, ...)
    pitch: int | None = None  # espeak-ng 0-99
    rate: int | None = None  # espeak-ng words per minute
    length_scale: float | None = None  # Piper: >1 slower
    noise_scale: float | None = None  # Piper: 0 with noise_w_scale 0 makes synthesis repeatable
    noise_w_scale: float | None = None
    speaker: str | None = None  # Coqui multi-speaker models: the speaker id
    reference: str | None = None  # Coqui XTTS: a WAV of the voice to clone


class Synthesizer:
    """A speech synthesis engine."""

    name: str = ""
    # how much faster than its natural pace the engine itself may speak a line that is too long
    # for its slot (its own rate control, which sounds natural far beyond a time stretch);
    # 1.0: the engine has no rate control and only the time stretch (atempo) is used
    max_rate_speed: float = 1.0

    def supports(self, language: str) -> bool:
        raise NotImplementedError

    def identity(self, voice: Voice) -> str:
        """What identifies the produced audio besides the text (for cache keys)."""
        raise NotImplementedError

    def synthesize(self, text: str, voice: Voice, out_wav: str | os.PathLike, speed: float = 1.0) -> None:
        """Write mono 16-bit WAV speech for text to out_wav; ``speed`` > 1 speaks faster than the
        voice's own pace by the engine's rate control (at most max_rate_speed)."""
        raise NotImplementedError
