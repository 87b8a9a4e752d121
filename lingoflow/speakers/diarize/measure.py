"""Each diarized speaker measured: how much they speak, their voice embedding (CAM++, the same
space as the campp engine's, the speaker registry's and enrolment's) and pitch."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...schema import Segment
from . import campplus

EMBED_SECONDS = 30.0  # at most this much of a speaker's speech goes into their embedding
# pitch only decides low / high at LOW_PITCH_HZ (voice casting): 10 s of a speaker's speech in 30 ms
# frames, of them the loudest half-seconds (vowels, where the pitch is) up to PITCH_LOUDEST_SECONDS:
# on the 27 speakers of the bench clips the same low / high as 15 s in 20 ms (2026-12-07, docs/speakers.md)
PITCH_SECONDS = 10.0
PITCH_LOUDEST_SECONDS = 5.0
PITCH_CHUNK_SECONDS = 0.5
PITCH_FRAME_SECONDS = 0.03
PITCH_FRAME = 1024  # samples a YIN frame (64 ms: two periods of PITCH_MIN_HZ)
PITCH_MIN_HZ, PITCH_MAX_HZ = 60.0, 400.0
PITCH_DIP = 0.1  # YIN's absolute threshold: the first dip of the normalised difference under it is the period
PITCH_VOICED_MAX = 0.25  # a frame whose deepest dip stays above this is not voiced
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
    """Median fundamental frequency (Hz) over voiced frames, None when unvoiced: YIN (de Cheveigné
    & Kawahara 2002) in NumPy, a frame voiced where its normalised difference dips under
    PITCH_VOICED_MAX. Only the median's side of LOW_PITCH_HZ is used (casting), so pYIN's HMM
    (librosa; 16x the CPU, most of the stage's own work) bought nothing: on the 29 speakers of the
    bench and AMI clips its medians and these are a median 0.7 % apart, the same low / high on all
    but one 169 / 164 Hz speaker (2026-12-07, docs/speakers.md)."""
    frame, hop = PITCH_FRAME, int(round(PITCH_FRAME_SECONDS * rate))
    if len(audio) < rate // 4:
        return None
    x = np.lib.stride_tricks.sliding_window_view(np.pad(np.asarray(audio, np.float64), (0, frame)), frame)[::hop]
    x = x[: max(1, (len(audio) - frame) // hop + 1)]
    lo, hi, w = int(rate / PITCH_MAX_HZ), int(rate / PITCH_MIN_HZ), frame // 2
    # difference d(t) = sum over the first w samples of (x_j - x_j+t)^2: energies and a correlation (FFT)
    n = 1 << int(np.ceil(np.log2(frame + w)))
    corr = np.fft.irfft(np.fft.rfft(x, n) * np.fft.rfft(x[:, w - 1 :: -1], n), n)[:, w - 1 : w + hi + 1]
    energy = np.concatenate([np.zeros((len(x), 1)), np.cumsum(x ** 2, axis=1)], axis=1)
    lags = np.arange(hi + 2)
    diff = energy[:, w : w + 1] + energy[:, lags + w] - energy[:, lags] - 2 * corr
    cmnd = diff[:, 1:] * lags[1:] / np.maximum(np.cumsum(diff[:, 1:], axis=1), 1e-12)  # cmnd[:, t - 1] is lag t
    f0 = np.full(len(x), np.nan)
    for i, row in enumerate(cmnd[:, lo - 1 : hi]):
        under = np.flatnonzero(row < PITCH_DIP)
        k = under[0] if len(under) else int(np.argmin(row))
        while k + 1 < len(row) and row[k + 1] < row[k]:  # down to the dip's floor
            k += 1
        if row[k] > PITCH_VOICED_MAX:
            continue
        shift = 0.0
        if 0 < k < len(row) - 1 and (bend := row[k - 1] - 2 * row[k] + row[k + 1]) > 0:
            shift = 0.5 * (row[k - 1] - row[k + 1]) / bend  # parabolic interpolation between lags
        f0[i] = rate / (lo + k + shift)
    loudness = np.sqrt((x ** 2).mean(axis=1))
    voiced = np.isfinite(f0)
    if voiced.any():
        voiced &= loudness > 0.1 * np.median(loudness[voiced])  # a quiet periodic hum is not the voice
    return round(float(np.median(f0[voiced])), 1) if voiced.sum() >= 5 else None


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
