"""Speaker clustering of window embeddings: agglomerative (average linkage on cosine similarity)
with a calibrated stopping threshold, small clusters folded into the nearest voice, and the
count held inside the caller's bounds.

The thresholds were calibrated on the AMI ``trn`` clips of ../shared/eval/diar (far-field
meetings) and checked on the ``dev`` clips and pyannote_sample.wav (bench/diarization.py and
bench/diarization_calibrate.py print the figures). Measured there on 1.5 s resemblyzer
windows: two windows of one speaker have a median cosine of 0.72, of two speakers 0.62; the
average over all pairs of two people's windows is 0.55-0.65, of one person's 0.65-0.90.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHUNK_SECONDS = 4.5  # windows are clustered in chunks of this much running speech (one stretch, in order)
THRESHOLD = 0.76  # groups of chunks this alike on average (cosine) are one voice
MIN_SPEAKER_SECONDS = 2.0  # a cluster with less speech is folded into its nearest voice ...
DISTINCT = 0.45  # ... unless its centroid is this unlike every other voice (then it is a speaker)
MAX_CLUSTERED = 2000  # longer files: this many evenly spread windows are clustered, the rest join the nearest
SAME_VOICE = 0.86  # clusters whose centroids are this alike are one voice (AMI: two people's centroids 0.54-0.85)
REFINE_ROUNDS = 0  # windows reassigned to the nearest centroid, centroids recomputed


@dataclass(frozen=True)
class Bounds:
    """The speaker count the caller wants: exactly ``num``, else estimated within [low, high]."""

    num: int | None = None
    low: int = 1
    high: int = 8

    def clip(self, k: int) -> int:
        if self.num:
            return self.num
        return max(self.low, min(self.high, k))


def _normalized(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def centroids(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return _normalized(np.stack([x[labels == c].mean(axis=0) for c in range(labels.max() + 1)]))


def _renumber(labels: np.ndarray) -> np.ndarray:
    return np.unique(labels, return_inverse=True)[1]


def _seconds(labels: np.ndarray, spans: np.ndarray, k: int) -> np.ndarray:
    """Speech behind each cluster: the union of its windows' spans."""
    out = np.zeros(k)
    for c in range(k):
        mine = spans[labels == c]
        end = -np.inf
        for a, b in mine[np.argsort(mine[:, 0])]:
            out[c] += max(0.0, b - max(a, end))
            end = max(end, b)
    return out


def _cut(tree: np.ndarray, n: int, threshold: float | None = None, k: int | None = None) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster

    if n < 2:
        return np.zeros(n, dtype=int)
    if k is not None:
        return _renumber(fcluster(tree, k, criterion="maxclust"))
    return _renumber(fcluster(tree, 1.0 - threshold, criterion="distance"))


def _fold_small(x: np.ndarray, spans: np.ndarray, labels: np.ndarray, keep: int, min_seconds: float, distinct: float) -> np.ndarray:
    """Fold clusters with under ``min_seconds`` of speech into their nearest voice, smallest
    first, while more than ``keep`` remain; one unlike every other voice stays (a real person
    who speaks little)."""
    while labels.max() + 1 > keep:
        k = labels.max() + 1
        seconds = _seconds(labels, spans, k)
        cent = centroids(x, labels)
        sim = cent @ cent.T
        np.fill_diagonal(sim, -1.0)
        small = [c for c in np.argsort(seconds) if seconds[c] < min_seconds and sim[c].max() >= distinct]
        if not small:
            break
        c = small[0]
        labels = _renumber(np.where(labels == c, int(np.argmax(sim[c])), labels))
    return labels


def _merge_alike(x: np.ndarray, labels: np.ndarray, keep: int, same: float) -> np.ndarray:
    """Join the two clusters with the most alike centroids while they sound like one voice
    (a voice whose sentences the tree split apart, e.g. one synthetic voice's two intonations)."""
    while labels.max() + 1 > keep:
        cent = centroids(x, labels)
        sim = cent @ cent.T
        np.fill_diagonal(sim, -1.0)
        i, j = np.unravel_index(np.argmax(sim), sim.shape)
        if sim[i, j] < same:
            break
        labels = _renumber(np.where(labels == j, i, labels))
    return labels


def _keep_largest(x: np.ndarray, spans: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Exactly ``k`` clusters: the ``k`` with the most speech, every other window to its nearest."""
    seconds = _seconds(labels, spans, labels.max() + 1)
    big = [int(c) for c in np.argsort(-seconds)[:k]]
    cent = _normalized(np.stack([x[labels == c].mean(axis=0) for c in big]))
    index = {c: i for i, c in enumerate(big)}
    out = np.array([index.get(int(c), -1) for c in labels])
    rest = out < 0
    if rest.any():
        out[rest] = np.argmax(x[rest] @ cent.T, axis=1)
    return _renumber(out)


def _forced(x: np.ndarray, spans: np.ndarray, tree: np.ndarray, want: int, min_seconds: float) -> np.ndarray:
    """``want`` clusters from the tree: the first cut with ``want`` clusters of real speech
    (at least ``min_seconds``; a cut's extra clusters are stray windows), its largest kept."""
    n = len(x)
    labels = np.zeros(n, dtype=int)
    for m in range(want, max(n, want) + 1):
        labels = _cut(tree, n, k=m)
        k = labels.max() + 1
        if k >= want and (_seconds(labels, spans, k) >= min_seconds).sum() >= want:
            break
    return _keep_largest(x, spans, labels, min(want, labels.max() + 1))


def _refine(x: np.ndarray, labels: np.ndarray, k_min: int) -> np.ndarray:
    """A few rounds of nearest-centroid reassignment (k-means on the sphere from the tree's cut)."""
    for _ in range(REFINE_ROUNDS):
        new = _renumber(np.argmax(x @ centroids(x, labels).T, axis=1))
        if new.max() + 1 < k_min or np.array_equal(new, labels):
            break
        labels = new
    return labels


def chunk_ids(spans: np.ndarray, speech: list[tuple[float, float]], seconds: float = CHUNK_SECONDS) -> np.ndarray:
    """Consecutive windows of one stretch of speech grouped into chunks spanning <= ``seconds``.

    A chunk's mean embedding is a steadier sign of its voice than one 1.5 s window (measured on
    AMI trn: a chunk of one speaker matches another of the same speaker with a median cosine of
    0.84 against 0.66 for two people; single windows 0.72 against 0.62); a speaker change inside
    a chunk is found afterwards, window by window."""
    starts = np.asarray([s for s, _ in speech])
    region = np.searchsorted(starts, spans[:, 0] + 1e-6) - 1
    ids = np.zeros(len(spans), dtype=int)
    first = None
    for i in range(len(spans)):
        if i and (region[i] != region[i - 1] or spans[i, 1] - spans[first, 0] > seconds + 1e-6):
            ids[i] = ids[i - 1] + 1
            first = i
        else:
            ids[i] = ids[i - 1] if i else 0
            first = i if first is None else first
    return ids


def cluster_chunks(x: np.ndarray, spans: np.ndarray, speech: list[tuple[float, float]], bounds: Bounds = Bounds(),
                   threshold: float = THRESHOLD, min_seconds: float = MIN_SPEAKER_SECONDS, distinct: float = DISTINCT,
                   seconds: float = CHUNK_SECONDS) -> np.ndarray:
    """Window labels from clustering the chunks' mean embeddings."""
    if len(x) == 0:
        return np.zeros(0, dtype=int)
    ids = chunk_ids(spans, speech, seconds)
    n = ids.max() + 1
    means = _normalized(np.stack([x[ids == c].mean(axis=0) for c in range(n)]))
    chunk_spans = np.stack([[spans[ids == c, 0].min(), spans[ids == c, 1].max()] for c in range(n)])
    return cluster(means, chunk_spans, bounds, threshold, min_seconds, distinct)[ids]


def cluster(x: np.ndarray, spans: np.ndarray, bounds: Bounds = Bounds(), threshold: float = THRESHOLD,
            min_seconds: float = MIN_SPEAKER_SECONDS, distinct: float = DISTINCT) -> np.ndarray:
    """Labels 0..k-1 for windows ``x`` (embeddings [n, d]) over ``spans`` ([n, 2] seconds)."""
    from scipy.cluster.hierarchy import linkage

    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=int)
    x = _normalized(np.asarray(x, dtype=np.float64))
    if n > MAX_CLUSTERED:  # linkage memory is quadratic in the number of windows
        picked = np.linspace(0, n - 1, MAX_CLUSTERED).astype(int)
        sub = cluster(x[picked], spans[picked], bounds, threshold, min_seconds * MAX_CLUSTERED / n, distinct)
        return _renumber(np.argmax(x @ centroids(x[picked], sub).T, axis=1))
    if n == 1 or bounds.num == 1 or bounds.high == 1:
        return np.zeros(n, dtype=int)
    tree = linkage(x, method="average", metric="cosine")
    labels = _cut(tree, n, threshold=threshold)
    low = bounds.num or bounds.low
    labels = _fold_small(x, spans, labels, max(low, 1), min_seconds, distinct)
    labels = _merge_alike(x, labels, max(low, 1), SAME_VOICE)
    k = labels.max() + 1
    want = bounds.clip(k)
    if want != k:  # the caller's bounds overrule the voices: the tree cut at their count
        labels = _forced(x, spans, tree, want, min_seconds)
    return _refine(x, labels, want if want != k else max(bounds.low, 1))
