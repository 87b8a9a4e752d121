"""Diarization with resemblyzer: GE2E embeddings of 1.6 s windows over the speech, clustered.

The number of speakers is estimated (the eigengap of a pruned cosine-affinity graph; clusters
whose centroids are as alike as one voice with itself are joined) or given; spectral clustering
then labels the windows. Each 0.1 s frame of speech takes the speaker whose centroid its
covering windows match best.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import encoder
from .base import Diarizer, Turn, speaker_label, turns_from_frames

FRAME = 0.1  # seconds: resolution of the speaker turns
SAME_VOICE = 0.95  # centroids this alike (cosine) are one speaker (measured: one voice split in two 0.90-0.93, two people 0.88)
MIN_CLUSTER_SECONDS = 1.2  # smaller clusters are folded into the nearest speaker
NEIGHBOURS = 0.4  # each window keeps its strongest 40% of affinities (0.3 split one voice in two, 0.6 merged the bench's two)
MIN_WINDOWS_TO_ESTIMATE = 12  # fewer windows (~8 s of speech): one speaker unless told; on a 4.5 s single-voice
# clip the eigengap of 7 overlapping windows said 3 (windows far apart in one voice: cosine 0.73)
MAX_CLUSTERED = 600  # longer files: this many evenly spread windows are clustered, the rest join the nearest


def _coverage(centers: np.ndarray, speech: list[tuple[float, float]]) -> np.ndarray:
    half = encoder.WINDOW / 2
    cov = np.zeros(len(centers))
    for s, e in speech:
        cov += np.clip(np.minimum(centers + half, e) - np.maximum(centers - half, s), 0, None)
    return cov / encoder.WINDOW


def _affinity(x: np.ndarray, keep: float = NEIGHBOURS) -> np.ndarray:
    """Cosine affinity pruned to each row's strongest ``keep`` fraction, symmetrized."""
    a = np.clip(x @ x.T, 0, None)
    n = len(a)
    top = max(2, int(np.ceil(keep * n)))
    thresholds = np.sort(a, axis=1)[:, -top][:, None]
    a = np.where(a >= thresholds, a, 0.0)
    a = (a + a.T) / 2
    np.fill_diagonal(a, 0.0)
    return a


def estimate_speakers(affinity: np.ndarray, max_speakers: int) -> int:
    """The eigengap of the normalized graph Laplacian: the number of well-separated groups."""
    d = affinity.sum(axis=1)
    inv = 1 / np.sqrt(np.maximum(d, 1e-9))
    lap = np.eye(len(d)) - inv[:, None] * affinity * inv[None, :]
    ev = np.sort(np.linalg.eigvalsh(lap))[: max_speakers + 1]
    return int(np.argmax(np.diff(ev))) + 1


def cluster(x: np.ndarray, num_speakers: int | None, max_speakers: int, step: float, min_speakers: int = 1) -> np.ndarray:
    """Cluster labels 0..k-1 for L2-normalized embeddings x (spectral clustering); an estimate is
    kept inside [min_speakers, max_speakers] (below the lower bound the count is fixed at it)."""
    from sklearn.cluster import SpectralClustering

    n = len(x)
    if not num_speakers and min_speakers > 1 and (n < MIN_WINDOWS_TO_ESTIMATE or max_speakers <= min_speakers):
        num_speakers = min_speakers
    if n < 4 or num_speakers == 1 or max_speakers == 1 or (not num_speakers and n < MIN_WINDOWS_TO_ESTIMATE):
        return np.zeros(n, dtype=int)
    if n > MAX_CLUSTERED:  # the eigen-decomposition is cubic in the number of windows
        picked = np.linspace(0, n - 1, MAX_CLUSTERED).astype(int)
        sub = cluster(x[picked], num_speakers, max_speakers, step * n / MAX_CLUSTERED, min_speakers)
        cent = np.stack([x[picked][sub == c].mean(axis=0) for c in range(sub.max() + 1)])
        return np.argmax(x @ (cent / np.linalg.norm(cent, axis=1, keepdims=True)).T, axis=1)
    affinity = _affinity(x)
    if not num_speakers:
        estimated = estimate_speakers(affinity, min(max_speakers, n - 1))
        if estimated < min_speakers:
            num_speakers = min_speakers
    k = min(num_speakers or estimated, n - 1)
    if k < 2:
        return np.zeros(n, dtype=int)
    with warnings.catch_warnings():  # a pruned graph of two very different voices may fall apart: that is the point
        warnings.filterwarnings("ignore", message="Graph is not fully connected")
        labels = SpectralClustering(k, affinity="precomputed", random_state=0, assign_labels="cluster_qr").fit_predict(affinity)
    labels = _fold_small(x, labels, max(1, int(round(MIN_CLUSTER_SECONDS / step))), keep=num_speakers)
    if not num_speakers:
        labels = _merge_alike(x, labels, min_speakers)
    return labels


def _merge_alike(x: np.ndarray, labels: np.ndarray, floor: int = 1) -> np.ndarray:
    """Join clusters whose centroids are as alike as one voice is with itself (never below ``floor``)."""
    while labels.max() + 1 > max(floor, 1):
        ids = np.unique(labels)
        cent = np.stack([x[labels == c].mean(axis=0) for c in ids])
        cent /= np.linalg.norm(cent, axis=1, keepdims=True)
        sim = cent @ cent.T
        np.fill_diagonal(sim, -1)
        i, j = np.unravel_index(np.argmax(sim), sim.shape)
        if sim[i, j] < SAME_VOICE:
            break
        labels = np.where(labels == ids[j], ids[i], labels)
    return np.unique(labels, return_inverse=True)[1]


def _fold_small(x: np.ndarray, labels: np.ndarray, min_size: int, keep: int | None) -> np.ndarray:
    counts = np.bincount(labels)
    big = [c for c in range(len(counts)) if counts[c] >= min_size]
    if keep:  # a fixed count keeps the `keep` largest clusters
        big = sorted((c for c in range(len(counts)) if counts[c]), key=lambda c: -counts[c])[:keep]
    if not big:
        return np.zeros(len(labels), dtype=int)
    cent = np.stack([x[labels == c].mean(axis=0) for c in big])
    cent /= np.linalg.norm(cent, axis=1, keepdims=True)
    return np.argmax(x @ cent.T, axis=1)


def _frame_speakers(centers: np.ndarray, sims: np.ndarray, speech: list[tuple[float, float]]) -> list[tuple[float, float, int]]:
    """(start, end, cluster) for every FRAME of speech: the cluster its windows (centers within
    half a window of the frame's middle, else the nearest) match best on average. Vectorized:
    the windows are sorted by center, so a frame's windows are one run of them."""
    starts, ends = [], []
    for s, e in speech:
        t = np.arange(s, e, FRAME)
        starts.append(t)
        ends.append(np.minimum(t + FRAME, e))
    if not starts:
        return []
    t0, t1 = np.concatenate(starts), np.concatenate(ends)
    mids = (t0 + t1) / 2
    order = np.argsort(centers, kind="stable")
    c, sm = centers[order], sims[order]
    half = encoder.WINDOW / 2
    lo = np.searchsorted(c, mids - half, side="left")
    hi = np.searchsorted(c, mids + half, side="right")
    empty = hi <= lo  # no window within half a window: the nearest one(s) speak for the frame
    if empty.any():
        right = np.clip(lo[empty], 0, len(c) - 1)
        left = np.clip(lo[empty] - 1, 0, len(c) - 1)
        dl, dr = np.abs(mids[empty] - c[left]), np.abs(mids[empty] - c[right])
        lo[empty] = np.where(dl <= dr + 1e-12, left, right)
        hi[empty] = np.where(dr <= dl + 1e-12, right, left) + 1
    cumulative = np.vstack([np.zeros((1, sm.shape[1])), np.cumsum(sm, axis=0)])
    best = np.argmax(cumulative[hi] - cumulative[lo], axis=1)  # the sum ranks as the mean does
    return [(float(a), float(b), int(k)) for a, b, k in zip(t0, t1, best)]


class ResemblyzerEngine(Diarizer):
    name = "resemblyzer"
    step = 0.6  # seconds between window embeddings (bench: DER at 0.4 s the same, 0.8 s worse)

    def warm(self) -> None:
        encoder.encoder()

    def identity(self) -> str:
        return f"resemblyzer-0.1.4:step{self.step}:nb{NEIGHBOURS}:same{SAME_VOICE}:min{MIN_CLUSTER_SECONDS}:est{MIN_WINDOWS_TO_ESTIMATE}"

    def diarize(self, audio, sample_rate, speech, num_speakers=None, max_speakers=8, min_speakers=1) -> list[Turn]:
        speech = encoder.checked_speech(sample_rate, speech)
        if not speech:
            return []
        from threadpoolctl import threadpool_limits  # scikit-learn's own dependency

        # only windows at least half inside the speech are embedded
        emb, kept_centers = encoder.windows(audio, self.step, keep=lambda centers: _coverage(centers, speech) >= 0.5)
        if len(emb) < 2:
            return [Turn(s, e, speaker_label(0)) for s, e in speech]
        x = emb / np.linalg.norm(emb, axis=1, keepdims=True)
        with threadpool_limits(1):  # the eigen-decompositions of a few hundred windows: one thread beats two busy ones
            labels = cluster(x, num_speakers, max_speakers, self.step, min_speakers or 1)
        k = labels.max() + 1
        cent = np.stack([x[labels == c].mean(axis=0) for c in range(k)])
        cent /= np.linalg.norm(cent, axis=1, keepdims=True)
        sims = x @ cent.T  # [windows, speakers]
        return turns_from_frames(_frame_speakers(kept_centers, sims, speech))
