"""CAM++ speaker embeddings (3D-Speaker, 192-d, unit length): the Kaldi fbank it reads, the
network's frame-level pass, and statistics pooling over any frames of that pass.

Pooling a mask of one long pass (CAM++'s own mean and deviation, then its dense layer) embeds
the speech under the mask without running the network again: the campp engine embeds every
(window, local speaker) that way, and a speaker's voice is their windows' statistics added up.
"""
from __future__ import annotations

import numpy as np

from .weights import campp_sessions

RATE = 16000
MIN_EMBED_FRAMES = 30  # fbank frames (0.3 s): less speech than this is not embedded
BATCH = 4  # stretches per CAM++ batch when embedding stretches whole (enrolment): ~60 MB of activations each
PASS_SECONDS = 47.5  # audio a pass covers at most (the engine's block of 16 windows): its activations ~50 MB


def fbank(audio: np.ndarray) -> np.ndarray:
    """80-bin Kaldi fbank, 25/10 ms, dither 0 (kaldi-native-fbank): [frames, 80], not normalised."""
    import kaldi_native_fbank as knf

    opts = knf.FbankOptions()
    opts.frame_opts.dither = 0.0
    opts.mel_opts.num_bins = 80
    bank = knf.OnlineFbank(opts)
    bank.accept_waveform(RATE, np.asarray(audio, dtype=np.float32))
    bank.input_finished()
    n = bank.num_frames_ready
    return np.array([bank.get_frame(i) for i in range(n)], dtype=np.float32).reshape(n, 80)


def embed_features(features: list[np.ndarray]) -> np.ndarray:
    """CAM++ embeddings (unit length) of fbank stretches, batched by similar length (each batch
    cropped to its shortest member, at most 20 % shorter than its longest)."""
    out = np.zeros((len(features), 192), dtype=np.float32)
    order = sorted(range(len(features)), key=lambda i: len(features[i]))
    batches: list[list[int]] = []
    for i in order:
        if batches and len(batches[-1]) < BATCH and len(features[batches[-1][0]]) >= 0.8 * len(features[i]):
            batches[-1].append(i)
        else:
            batches.append([i])
    for batch in batches:
        n = len(features[batch[0]])
        frames = _trunk(np.stack([(features[i][:n] - features[i][:n].mean(axis=0)).T for i in batch]))
        count = frames.shape[2]
        stats = np.concatenate([np.full((len(batch), 1), count, np.float64), frames.sum(axis=2, dtype=np.float64),
                                (frames.astype(np.float64) ** 2).sum(axis=2)], axis=1)
        out[batch] = stats_embeddings(stats)
    return out


def _trunk(x: np.ndarray) -> np.ndarray:
    """CAM++'s frame-level network (onnxruntime, weights.campp_sessions): fbank [n, 80, frames]
    -> [n, 512, frames / 2]."""
    trunk, _ = campp_sessions()
    return trunk.run(None, {"fbank": np.ascontiguousarray(x, dtype=np.float32)})[0]


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def embed(audio: np.ndarray) -> np.ndarray:
    """One unit CAM++ embedding for a stretch of speech (16 kHz mono); zeros when too short."""
    feats = fbank(audio) if len(audio) >= 400 else np.zeros((0, 80), np.float32)
    if len(feats) < MIN_EMBED_FRAMES:
        return np.zeros(192, dtype=np.float32)
    return embed_features([feats])[0]


def frame_features(feats: np.ndarray) -> np.ndarray:
    """CAM++'s frame-level output for fbank frames (their mean removed): [channels, frames / 2],
    everything its statistics pooling would pool; frame j is centred on fbank frame 2j."""
    return _trunk((feats - feats.mean(axis=0)).T[None])[0]


def pooled_stats(frames: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """What statistics pooling needs of each mask's frames: [masks, 1 + 2 * channels] (how many,
    their sum, their sum of squares), so pools over several windows add up."""
    w = masks.astype(np.float32)
    return np.concatenate([w.sum(axis=1, keepdims=True), w @ frames.T, w @ (frames.T ** 2)], axis=1)


def stats_embeddings(stats: np.ndarray) -> np.ndarray:
    """Unit CAM++ embeddings from pooled statistics (CAM++'s own mean and unbiased deviation, then
    its dense layer): pooling over a mask of a long pass is embedding that speech alone, without
    running the network again for each speaker of each window."""
    stats = np.asarray(stats, dtype=np.float64)
    n, c = stats[:, :1], (stats.shape[1] - 1) // 2
    mean = stats[:, 1 : 1 + c] / np.maximum(n, 1)
    var = np.maximum(stats[:, 1 + c :] / np.maximum(n, 1) - mean ** 2, 0.0) * n / np.maximum(n - 1, 1)
    pooled = np.concatenate([mean, np.sqrt(var)], axis=1).astype(np.float32)
    _, dense = campp_sessions()
    return _unit(dense.run(None, {"pooled": pooled})[0])


def embed_spans(audio: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    """One unit CAM++ embedding of the speech inside ``spans`` (seconds), as the engine embeds a
    speaker: the network run over the audio around them (blocks of the engine's span), the frames
    inside pooled; zeros when under MIN_EMBED_FRAMES of speech."""
    duration = len(audio) / RATE
    spans = [(max(0.0, a), min(duration, b)) for a, b in spans if b > a]
    block = PASS_SECONDS
    total = None
    for start in np.arange(0.0, duration, block):
        end = min(duration, start + block)
        inside = [(max(a, start), min(b, end)) for a, b in spans if b > start and a < end]
        piece = audio[int(round(start * RATE)) : int(round(end * RATE))]
        if not inside or len(piece) < 400 + 20 * 160:
            continue
        frames = frame_features(fbank(piece))
        times = start + 0.0125 + 0.02 * np.arange(frames.shape[1])
        mask = np.zeros(len(times), dtype=bool)
        for a, b in inside:
            mask |= (times >= a) & (times < b)
        pooled = pooled_stats(frames, mask[None])
        total = pooled if total is None else total + pooled
    if total is None or total[0, 0] < MIN_EMBED_FRAMES // 2:
        return np.zeros(192, dtype=np.float32)
    return stats_embeddings(total)[0]
