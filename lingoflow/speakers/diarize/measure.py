"""Each diarized speaker measured: how much they speak, their voice embedding (CAM++, the same
space as the campp engine's, the speaker registry's and enrolment's) and pitch."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...schema import Segment
from . import campplus

EMBED_SECONDS = 30.0  # at most this much of a speaker's speech goes into their embedding
# pitch only decides low / high at LOW_PITCH_HZ (voice casting): 10 s of a speaker's speech in 30 ms
# frames gives the same median within a few per cent as 15 s in 20 ms, for under half of pYIN's
# cost (its Viterbi pass is most of the diarize stage's own work beside the engine); of those 10 s
# the loudest half-seconds (vowels, where the pitch is) up to PITCH_LOUDEST_SECONDS give the same
# low / high on all 27 speakers of the bench clips for a third less (2026-12-07, /tmp measurement
# noted in docs/speakers.md)
PITCH_SECONDS = 10.0
PITCH_LOUDEST_SECONDS = 5.0
PITCH_CHUNK_SECONDS = 0.5
PITCH_FRAME_SECONDS = 0.03
MIN_CLEAN_SECONDS = 1.0  # less speech alone than this: the speaker is embedded from all their segments
LOW_PITCH_HZ = 165.0  # median F0 below this: a low voice (typical adult male range 85-155 Hz)


@dataclass
class SpeakerInfo:
    label: str
    seconds: float
    segments: int
    pitch_hz: float | None = None
    embedding: list[float] = field(default_factory=list, repr=False)

    @property
    def pitch_range(self) -> str | None:
        if self.pitch_hz is None:
            return None
        return "low" if self.pitch_hz < LOW_PITCH_HZ else "high"


def speaker_spans(segments: list[Segment], label: str) -> list[tuple[float, float]]:
    """Where the speaker speaks: each of their segments from its first word to its last."""
    return [(s.words[0].start, s.words[-1].end) if s.words else (s.start, s.end) for s in segments if s.speaker == label]


def speaker_audio(audio: np.ndarray, segments: list[Segment], label: str, limit: float, rate: int = campplus.RATE) -> np.ndarray:
    """The speaker's own speech (their words, else their segments), longest stretches first, up to limit s."""
    return gather(audio, speaker_spans(segments, label), limit, rate)


def gather(audio: np.ndarray, spans: list[tuple[float, float]], limit: float, rate: int = campplus.RATE) -> np.ndarray:
    """The audio of ``spans``, longest first, up to ``limit`` seconds."""
    spans = sorted(spans, key=lambda p: p[0] - p[1])
    parts, total = [], 0.0
    for start, end in spans:
        if total >= limit:
            break
        end = min(end, start + limit - total)
        chunk = audio[int(start * rate) : int(end * rate)]
        if len(chunk):
            parts.append(chunk)
            total += len(chunk) / rate
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def pitch_tracker():
    """librosa's pYIN, imported once per process (3-4 s the first time: the warm-up does it)."""
    from ...codehash import parsing

    with parsing:  # librosa's first import and its lazy submodules parse stubs (see codehash.parsing)
        import librosa

        return librosa.pyin


def loudest(audio: np.ndarray, seconds: float, chunk: float = PITCH_CHUNK_SECONDS, rate: int = campplus.RATE) -> np.ndarray:
    """The loudest ``chunk``-second pieces of ``audio``, in their order, up to ``seconds``."""
    n = int(chunk * rate)
    k = len(audio) // n
    if k * chunk <= seconds:
        return audio
    pieces = audio[: k * n].reshape(k, n)
    keep = np.sort(np.argsort(-(pieces.astype(np.float64) ** 2).mean(axis=1), kind="stable")[: int(seconds / chunk)])
    return pieces[keep].reshape(-1)


def median_pitch(audio: np.ndarray, rate: int = campplus.RATE) -> float | None:
    """Median fundamental frequency (Hz) over voiced frames (librosa pYIN), None when unvoiced."""
    pyin = pitch_tracker()
    if len(audio) < rate // 4:
        return None
    f0, voiced, _ = pyin(audio.astype(np.float32), fmin=60.0, fmax=400.0, sr=rate, frame_length=1024, hop_length=int(round(PITCH_FRAME_SECONDS * rate)))
    f0 = f0[voiced & np.isfinite(f0)]
    return round(float(np.median(f0)), 1) if len(f0) >= 5 else None


def alone(turns, label: str) -> list[tuple[float, float]]:
    """Where ``label`` speaks and, by the turns, nobody else does."""
    others = sorted((t.start, t.end) for t in turns if t.speaker != label)
    out = []
    for t in turns:
        if t.speaker != label:
            continue
        pieces = [(t.start, t.end)]
        for s, e in others:
            if e <= t.start or s >= t.end:
                continue
            pieces = [q for a, b in pieces for q in ((a, min(b, s)), (max(a, e), b)) if q[1] - q[0] > 0]
        out += pieces
    return out


def measure(audio: np.ndarray, segments: list[Segment], turns=None, voices: dict | None = None) -> list[SpeakerInfo]:
    """One SpeakerInfo per speaker label in the segments, in order of first appearance. A speaker's
    embedding is the engine's (``voices``: label -> unit CAM++ vector, from what it heard anyway),
    else embedded here: with the diarizer's ``turns`` from where they speak alone (overlapped
    speech blurs it), else from their segments."""
    out: list[SpeakerInfo] = []
    for label in dict.fromkeys(s.speaker for s in segments if s.speaker):
        mine = [s for s in segments if s.speaker == label]
        seconds = sum(s.end - s.start for s in mine)
        speech = speaker_audio(audio, segments, label, EMBED_SECONDS)
        info = SpeakerInfo(label, round(seconds, 2), len(mine))
        if len(speech):
            embedding = (voices or {}).get(label)
            if embedding is None:
                spans = alone(turns, label) if turns else []
                if sum(b - a for a, b in spans) < MIN_CLEAN_SECONDS:
                    spans = speaker_spans(segments, label)
                embedding = campplus.embed_spans(audio, spans)
            if np.any(embedding):  # too short to embed: no embedding (never linked, never enrolled)
                info.embedding = [round(float(v), 6) for v in embedding]
            info.pitch_hz = median_pitch(loudest(speech[: int(PITCH_SECONDS * campplus.RATE)], PITCH_LOUDEST_SECONDS))
        out.append(info)
    return out
