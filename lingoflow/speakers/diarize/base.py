from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Turn:
    """One speaker speaking from start to end (seconds)."""

    start: float
    end: float
    speaker: str


class Diarizer:
    """A diarization engine; the optional hooks do nothing unless an engine needs them."""

    name: str = ""
    hears_audio: bool = False  # finds speech itself (not only where the transcript has words): what it hears without words is decoded again
    reads_in_pieces: bool = False  # takes the audio as media.WavAudio (len() and [a:b] slices) rather than one array

    def identity(self) -> str:
        """What identifies this engine's output besides the audio (for cache keys)."""
        raise NotImplementedError

    def check(self) -> None:
        """Fail before any audio when the engine cannot run (EngineUnavailable naming the fix)."""

    def warm(self) -> None:
        """Load the engine's models now (in the background, while speech is recognized)."""

    def diarize(
        self,
        audio: np.ndarray,
        sample_rate: int,
        speech: list[tuple[float, float]],
        num_speakers: int | None = None,
        max_speakers: int = 8,
        min_speakers: int = 1,
    ) -> list[Turn]:
        """Speaker turns over ``audio`` (mono float32). ``speech`` are the regions known to hold
        speech (from the transcript's words); ``num_speakers`` fixes the count, else it is
        estimated within [min_speakers, max_speakers]."""
        raise NotImplementedError

    def diarize_with_voices(self, audio, sample_rate, speech, num_speakers=None, max_speakers=8, min_speakers=1):
        """The turns, and each speaker's voice embedding (unit CAM++, label -> vector) where the
        engine has it on the way (others' speakers are embedded from the audio afterwards)."""
        return self.diarize(audio, sample_rate, speech, num_speakers, max_speakers, min_speakers), {}


def turns_from_frames(frames: list[tuple[float, float, int]]) -> list[Turn]:
    """(start, end, cluster) frames in time order as speaker turns: adjacent frames of one
    cluster joined, speakers named by order of first appearance."""
    order: dict[int, str] = {}
    for _, _, c in frames:
        order.setdefault(c, speaker_label(len(order)))
    turns: list[Turn] = []
    for t, end, c in frames:
        label = order[c]
        if turns and turns[-1].speaker == label and abs(turns[-1].end - t) < 1e-6:
            turns[-1] = Turn(turns[-1].start, end, label)
        else:
            turns.append(Turn(t, end, label))
    return [Turn(round(t.start, 3), round(t.end, 3), t.speaker) for t in turns]


def speaker_label(index: int) -> str:
    return f"SPEAKER_{index:02d}"
