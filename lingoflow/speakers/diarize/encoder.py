"""The resemblyzer GE2E speaker encoder (weights ship in its wheel), loaded once per process.

Used for diarization windows, for each diarized speaker's embedding and for enrolled
speakers' reference clips, so every embedding in a library lives in the same space.
"""
from __future__ import annotations

import contextlib
import threading
import warnings

import numpy as np

from ...errors import EngineUnavailable

RATE = 16000  # the encoder's sample rate (and the ingested audio's)
WINDOW = 1.6  # seconds of audio behind one partial embedding (160 mel frames)

_encoder = None
_lock = threading.Lock()


def checked_speech(sample_rate: int, speech) -> list[tuple[float, float]]:
    """The speech regions worth embedding (non-empty); the audio must be at the encoder's rate."""
    if sample_rate != RATE:
        raise ValueError(f"resemblyzer needs {RATE} Hz audio, got {sample_rate}")
    return [(s, e) for s, e in speech if e > s]


def encoder():
    global _encoder
    with _lock:
        if _encoder is None:
            try:
                import torch  # noqa: F401 (the long part of the import, outside the lock below)

                from ...codehash import parsing

                # webrtcvad imports pkg_resources, which warns on import; librosa's imports parse
                # stubs (see codehash.parsing)
                with warnings.catch_warnings(), parsing:
                    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
                    from resemblyzer import VoiceEncoder
                    from resemblyzer.audio import librosa

                    librosa.feature.melspectrogram, librosa.resample  # loaded now, not in a file's thread
            except ImportError as exc:  # pragma: no cover - a dependency of lingoflow
                raise EngineUnavailable(f"resemblyzer is not installed ({exc}); run `make setup`") from exc
            _encoder = VoiceEncoder("cpu", verbose=False)
        return _encoder


@contextlib.contextmanager
def _one_thread():
    """The encoder's small LSTM batches run 4-7x faster on one thread than on two busy cores
    (measured on the 2-core build machine: 0.45-0.85 s against 2.0-6.2 s for 50 windows)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _normalize(audio: np.ndarray, target_dbfs: float = -30.0) -> np.ndarray:
    """resemblyzer's volume normalization (without its silence trimming, which moves timings)."""
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) if len(audio) else 0.0
    if rms <= 1e-6:
        return audio.astype(np.float32)
    gain = 10 ** ((target_dbfs - 20 * np.log10(rms)) / 20)
    return (audio * gain).astype(np.float32)


CHUNK = 300.0  # seconds of audio embedded per batch: bounds the LSTM's memory on long files


def windows(audio: np.ndarray, step: float = 0.6, keep=None) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of 1.6 s windows every ``step`` seconds: (embeddings [n, 256], centers [n] in s).

    ``keep`` (centers in s -> bool mask) picks the windows worth embedding: the others are never
    run through the LSTM (on a meeting most of the audio can be silence). The windows and their
    embeddings are resemblyzer's own (``embed_utterance`` with partials), chunk by chunk."""
    import torch
    from resemblyzer.audio import wav_to_mel_spectrogram

    enc = encoder()
    wav = _normalize(audio)
    if len(wav) < int(WINDOW * RATE):
        wav = np.pad(wav, (0, int(WINDOW * RATE) - len(wav)))
    chunk, pad = int(CHUNK * RATE), int(WINDOW * RATE)
    embs, centers = [], []
    for first in range(0, len(wav), chunk):
        piece = wav[first : first + chunk + pad]  # overlaps the next chunk by one window
        if len(piece) < pad:
            break
        wav_slices, mel_slices = enc.compute_partial_slices(len(piece), 1.0 / step, 0.5)
        mid = np.asarray([first + (sl.start + min(sl.stop, len(piece))) / 2 for sl in wav_slices])
        once = (mid < first + chunk) | (first + chunk >= len(wav))  # each window once
        at = np.minimum(mid, len(audio)) / RATE
        wanted = once & (np.asarray(keep(at), dtype=bool) if keep is not None else True)
        if not wanted.any():
            continue
        if wav_slices[-1].stop >= len(piece):
            piece = np.pad(piece, (0, wav_slices[-1].stop - len(piece)))
        mel = wav_to_mel_spectrogram(piece)
        mels = np.array([mel[mel_slices[i]] for i in np.flatnonzero(wanted)])
        with _one_thread(), torch.no_grad():
            embs.append(enc(torch.from_numpy(mels)).numpy())
        centers.extend(at[wanted])
    if not embs:
        return np.zeros((0, 256), dtype=np.float32), np.zeros(0)
    return np.concatenate(embs), np.asarray(centers)


SPEECH_WINDOW = 1.5  # seconds of speech behind one diarization embedding
SPEECH_HOP = 0.75
SHORTEST = 0.4  # a shorter stretch of speech is embedded with its surroundings up to this length
BATCH = 128  # windows per LSTM batch: bounds memory on long files


def speech_windows(audio: np.ndarray, speech: list[tuple[float, float]], length: float = SPEECH_WINDOW,
                   hop: float = SPEECH_HOP) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of ``length`` s windows every ``hop`` s inside each stretch of speech, and a
    single shorter window over a stretch shorter than ``length`` (only speech is embedded, so a
    window never straddles a long silence): (embeddings [n, 256], spans [n, 2] in s)."""
    from resemblyzer.audio import wav_to_mel_spectrogram
    import torch

    enc = encoder()
    wav = _normalize(audio)
    per_second = 1000 // 10  # mel frames a second (resemblyzer: 10 ms hop)
    win, step, shortest = int(round(length * per_second)), int(round(hop * per_second)), int(round(SHORTEST * per_second))
    total = len(wav) / RATE
    by_length: dict[int, list[tuple[np.ndarray, float, float]]] = {}
    for s, e in speech:
        if e - s < SHORTEST:  # widen around its middle
            mid = (s + e) / 2
            s, e = max(0.0, mid - SHORTEST / 2), min(total, mid + SHORTEST / 2)
        piece = wav[int(s * RATE) : int(e * RATE)]
        if len(piece) < 400:
            continue
        mel = wav_to_mel_spectrogram(piece)
        n = len(mel)
        if n <= win:
            starts = [0]
        else:
            starts = list(range(0, n - win + 1, step))
            if starts[-1] + win < n:  # the tail gets its own window
                starts.append(n - win)
        for a in starts:
            b = min(a + win, n)
            if b - a < shortest and n >= shortest:
                continue
            by_length.setdefault(b - a, []).append((mel[a:b], s + a / per_second, s + b / per_second))
    embs, spans = [], []
    with _one_thread(), torch.no_grad():
        for items in by_length.values():
            for first in range(0, len(items), BATCH):
                batch = items[first : first + BATCH]
                mels = torch.from_numpy(np.stack([m for m, _, _ in batch]))
                embs.append(enc(mels).numpy())
                spans.extend((a, b) for _, a, b in batch)
    if not spans:
        return np.zeros((0, 256), dtype=np.float32), np.zeros((0, 2))
    emb, spans_ = np.concatenate(embs), np.asarray(spans)
    order = np.argsort(spans_[:, 0], kind="stable")
    return emb[order], spans_[order]


def embed(audio: np.ndarray) -> np.ndarray:
    """One L2-normalized embedding for a stretch of speech (16 kHz mono)."""
    enc = encoder()
    wav = _normalize(audio)
    if len(wav) < int(WINDOW * RATE):
        wav = np.pad(wav, (0, int(WINDOW * RATE) - len(wav)))
    # back-to-back 1.6 s windows (resemblyzer's default overlaps them by half: twice the work)
    with _one_thread():
        e = np.asarray(enc.embed_utterance(wav, rate=1.0 / WINDOW, min_coverage=0.5), dtype=np.float32)
    return e / (np.linalg.norm(e) or 1.0)
