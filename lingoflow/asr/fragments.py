"""Fragments Whisper makes up over silence, noise or a cut-off word, dropped before they reach
captions and dubs.

Whisper writes something for every stretch of audio it is given: a "Thanks." over the last
0.1 s of a meeting clip, a "Hmm." after the speech of a file ends (seen on an Intel CPU in
the English+German clip), the same sentence again and again at the end of a file. The
signals of such a fragment are all at hand after decoding: it is very short, its words are
improbable, or it repeats the segment before it at the end of the audio; and Silero VAD (the
model faster-whisper ships) hears no speech under it. The last is needed for every drop (a
quiet "yes" is short, far-field speech is improbable, and both are speech: on the AMI
meetings a rule without it dropped segments over the reference's speech turns); a segment
goes when it holds no speech and one of the others agrees.

Figures (spurious segments before and after, WER unchanged): `python -m bench.eval`.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

RATE = 16000


@dataclass(frozen=True)
class FragmentSettings:
    """Part of the transcribe stage's cache key (lingoflow.pipeline.transcribe.TranscribeStage.extra): a change re-runs it."""
    short_seconds: float = 0.4  # under this a segment is "very short"
    unsure_word_probability: float = 0.5  # mean word probability under this: "improbable"
    speech_share: float = 0.2  # VAD speech under less than this share of the segment: "no speech under it"
    vad_threshold: float = 0.5  # Silero's own default
    trailing_repeats: bool = True  # a segment repeating the one before it, at the end of the file

    def to_dict(self) -> dict:
        return asdict(self)


SETTINGS = FragmentSettings()


@dataclass
class Candidate:
    """A decoded segment with what faster-whisper knows about it (times in the audio given)."""
    start: float
    end: float
    text: str
    word_probabilities: list[float]
    no_speech_prob: float = 0.0


def speech_regions(audio: np.ndarray, settings: FragmentSettings = SETTINGS) -> list[tuple[float, float]]:
    """Where Silero VAD hears speech (seconds), unpadded: the regions faster-whisper decodes
    are padded by 0.4 s and merged across pauses, which is where fragments appear."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(threshold=settings.vad_threshold, speech_pad_ms=0, min_silence_duration_ms=100)
    return [(t["start"] / RATE, t["end"] / RATE) for t in get_speech_timestamps(audio, options)]


def _speech_share(candidate: Candidate, regions: list[tuple[float, float]]) -> float:
    length = max(candidate.end - candidate.start, 1e-3)
    heard = sum(max(0.0, min(candidate.end, b) - max(candidate.start, a)) for a, b in regions)
    return heard / length


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def reasons(candidates: list[Candidate], audio: np.ndarray, settings: FragmentSettings = SETTINGS) -> list[str | None]:
    """For each candidate, why it is a fragment to drop, or None to keep it.

    No speech under it (by VAD) is needed for every drop: a short or improbable segment over
    speech may be a misheard word, but it is speech, and the captions and the dub keep it."""
    out: list[str | None] = [None] * len(candidates)
    regions: list[tuple[float, float]] | None = None

    def share(c: Candidate) -> float:
        nonlocal regions
        if regions is None:  # VAD only for audio with a suspect segment
            regions = speech_regions(audio, settings)
        return _speech_share(c, regions)

    for i, c in enumerate(candidates):
        short = c.end - c.start < settings.short_seconds
        probability = float(np.mean(c.word_probabilities)) if c.word_probabilities else 1.0 - c.no_speech_prob
        unsure = probability < settings.unsure_word_probability
        if short and share(c) < settings.speech_share:
            out[i] = f"very short ({c.end - c.start:.2f} s) with no speech under it (VAD: {share(c):.0%})"
        elif unsure and share(c) < settings.speech_share:
            out[i] = f"improbable (word probability {probability:.2f}) with no speech under it (VAD: {share(c):.0%})"
    kept = [i for i, why in enumerate(out) if why is None]
    while settings.trailing_repeats and len(kept) >= 2:  # a loop at the end: each repeat of the one before it
        c, before = candidates[kept[-1]], candidates[kept[-2]]
        if not _words(c.text) or _words(c.text) != _words(before.text) or share(c) >= settings.speech_share:
            break
        out[kept.pop()] = f"repeats the segment before it at the end of the audio, with no speech under it (VAD: {share(c):.0%})"
    return out
