"""Quiet recordings raised to a level Whisper hears well, before VAD and decoding.

Whisper's log-mel features are not level-invariant: they are clamped to 8 (log10) below the
window's loudest bin and offset by a constant, so a recording whose speech peaks sit 30 dB
below full scale (a far-field meeting microphone) is decoded from features far from those it
was trained on, and words go missing. On the AMI meeting clips (`../shared/eval/diar/ami`,
speech peaks -28 to -45 dBFS) raising the level first lets the decoder write words over 8 s
more of the reference speech (`python -m bench.vad_levels`). Silero VAD hardly changes with
level (it finds the same speech either way), so the gain is the decoder's.

The level measured is that of the loudest 5 % of 20 ms frames (the speech peaks, whatever the
share of pauses); a window below TARGET_DBFS is raised to it, by at most MAX_GAIN_DB (so room
noise in a near-silent window is not raised to speech level), and never lowered: recordings at
ordinary levels (studio speech, -10 to -24 dBFS) are decoded from exactly the samples they have.
The rare sample the gain takes past full scale is clipped, as decoded audio always lies in [-1, 1].
"""
from __future__ import annotations

import numpy as np

RATE = 16000
FRAME_SECONDS = 0.02
PEAK_PERCENTILE = 95.0
TARGET_DBFS = -20.0
MAX_GAIN_DB = 30.0


def speech_peak_dbfs(audio: np.ndarray) -> float:
    """The level (dBFS) of the loudest 5 % of 20 ms frames."""
    n = int(FRAME_SECONDS * RATE)
    frames = audio[: len(audio) // n * n].reshape(-1, n)
    if not len(frames):
        return float("-inf")
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    return float(20 * np.log10(max(float(np.percentile(rms, PEAK_PERCENTILE)), 1e-10)))


def gain_db(audio: np.ndarray) -> float:
    """How much `audio` is raised (0 when it is at an ordinary level or louder)."""
    return float(min(max(TARGET_DBFS - speech_peak_dbfs(audio), 0.0), MAX_GAIN_DB))


def raised(audio: np.ndarray) -> np.ndarray:
    """`audio` itself when not quiet, else a raised copy (float32, clipped to [-1, 1])."""
    gain = gain_db(audio)
    if gain <= 0.0:
        return audio
    return np.clip(audio * np.float32(10 ** (gain / 20)), -1.0, 1.0).astype(np.float32, copy=False)
