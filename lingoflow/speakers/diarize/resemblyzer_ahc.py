"""Opt-in diarization (`--diarize-engine resemblyzer-ahc`): resemblyzer windows over the speech,
clustered agglomeratively. On the AMI meetings it counts people right more often than the default
engine (resemblyzer.py) but labels them worse (higher DER; docs/voices.md), so it
is not the default.

Only speech is embedded (the transcript's words, merged over short pauses): 1.5 s windows
every 0.75 s inside each stretch, one shorter window over a shorter stretch. The windows are
clustered (clustering.py: agglomerative, a threshold calibrated on real meetings, the count
kept inside the caller's bounds), then every 0.1 s frame of speech takes the speaker whose
centroid the windows covering it match best, so a turn can change inside a sentence.
"""
from __future__ import annotations

import numpy as np

from . import clustering, encoder
from .base import Diarizer, Turn, speaker_label, turns_from_frames

FRAME = 0.1  # seconds: resolution of the speaker turns


def frame_turns(spans: np.ndarray, sims: np.ndarray, speech: list[tuple[float, float]]) -> list[Turn]:
    """Turns over ``speech``: each frame goes to the cluster its covering windows match best.

    ``sims`` [windows, clusters]: each window's similarity to each cluster's centroid."""
    frames: list[tuple[float, float, int]] = []
    mids = spans.mean(axis=1)
    for s, e in speech:
        for t in np.arange(s, e, FRAME):
            end = min(float(t) + FRAME, e)
            cover = (spans[:, 0] < end) & (spans[:, 1] > t)
            if not cover.any():  # a stretch too short to embed: the nearest window speaks for it
                cover = np.abs(mids - (t + end) / 2) <= np.abs(mids - (t + end) / 2).min() + 1e-9
            frames.append((float(t), end, int(np.argmax(sims[cover].mean(axis=0)))))
    return turns_from_frames(frames)


class AgglomerativeResemblyzerEngine(Diarizer):
    name = "resemblyzer-ahc"
    window = encoder.SPEECH_WINDOW
    hop = encoder.SPEECH_HOP
    chunk = clustering.CHUNK_SECONDS
    threshold = clustering.THRESHOLD
    min_seconds = clustering.MIN_SPEAKER_SECONDS
    distinct = clustering.DISTINCT

    def warm(self) -> None:
        encoder.encoder()

    def identity(self) -> str:
        return (f"resemblyzer-0.1.4:speech-windows{self.window}/{self.hop}:chunks{self.chunk}:ahc{self.threshold}:"
                f"min{self.min_seconds}:distinct{self.distinct}:refine{clustering.REFINE_ROUNDS}")

    def diarize(self, audio, sample_rate, speech, num_speakers=None, max_speakers=8, min_speakers=1) -> list[Turn]:
        speech = encoder.checked_speech(sample_rate, speech)
        if not speech:
            return []
        emb, spans = encoder.speech_windows(audio, speech, self.window, self.hop)
        if len(emb) == 0:
            return [Turn(s, e, speaker_label(0)) for s, e in speech]
        return self.turns(emb, spans, speech, clustering.Bounds(num_speakers, min_speakers or 1, max_speakers))

    def turns(self, emb: np.ndarray, spans: np.ndarray, speech: list[tuple[float, float]], bounds: clustering.Bounds) -> list[Turn]:
        """Turns from window embeddings (split from ``diarize`` so a calibration reuses the windows)."""
        x = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
        labels = clustering.cluster_chunks(x, spans, speech, bounds, self.threshold, self.min_seconds, self.distinct, self.chunk)
        return frame_turns(spans, x @ clustering.centroids(x, labels).T, speech)
