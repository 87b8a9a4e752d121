"""Pauses inside a synthesized line, found with NumPy: pydub's ``detect_silence`` (1 ms steps)
computed from a running sum of squares, not by slicing the clip once a millisecond (that cost
more than the synthesis itself on short lines: 33k slices for 9 lines)."""
from __future__ import annotations

import numpy as np
from pydub import AudioSegment
from pydub.utils import db_to_float


def detect_silence(audio: AudioSegment, min_silence_len: int, silence_thresh: float) -> list[list[int]]:
    """[start, end] ms of every stretch of at least ``min_silence_len`` ms whose every
    ``min_silence_len`` ms window has an RMS at or under ``silence_thresh`` dBFS: what
    ``pydub.silence.detect_silence(audio, min_silence_len, silence_thresh)`` returns."""
    length = len(audio)  # ms
    if length < min_silence_len:
        return []
    threshold = db_to_float(silence_thresh) * audio.max_possible_amplitude
    samples = np.asarray(audio.get_array_of_samples(), dtype=np.float64)  # interleaved, as pydub's rms reads them
    squares = np.concatenate([[0.0], np.cumsum(samples * samples)])
    starts = np.arange(0, length - min_silence_len + 1)
    # pydub slices [i, i + len) ms as samples [int(i * rate / 1000), int((i + len) * rate / 1000)) (frames x channels)
    first = (np.floor(starts * audio.frame_rate / 1000.0).astype(np.int64)) * audio.channels
    last = (np.floor((starts + min_silence_len) * audio.frame_rate / 1000.0).astype(np.int64)) * audio.channels
    last = np.minimum(last, len(samples))
    count = np.maximum(last - first, 1)
    rms = np.floor(np.sqrt(np.floor((squares[last] - squares[first]) / count)))  # audioop.rms: integer mean, integer root
    silent = np.flatnonzero(rms <= threshold)
    if not len(silent):
        return []
    ranges, begin, previous = [], int(silent[0]), int(silent[0])
    for i in silent[1:]:
        i = int(i)
        if i != previous + 1 and i > previous + min_silence_len:
            ranges.append([begin, previous + min_silence_len])
            begin = i
        previous = i
    ranges.append([begin, previous + min_silence_len])
    return ranges
