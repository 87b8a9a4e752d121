"""Pauses inside a synthesized line and the silence at its edges, found with NumPy: pydub's
``detect_silence`` (1 ms steps) and ``detect_leading_silence`` (10 ms steps) computed from a
running sum of squares, not by slicing the clip once a step (that cost more than the synthesis
itself on short lines: 33k slices for 9 lines)."""
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


def edge_silences(audio: AudioSegment, silence_threshold: float, chunk_size: int = 10) -> tuple[int, int]:
    """The ms of silence at the start and at the end, in steps of ``chunk_size`` ms, a step silent
    when its dBFS is under ``silence_threshold``: what ``pydub.silence.detect_leading_silence`` returns
    for ``audio`` and for ``audio.reverse()``, from one running sum of squares instead of a slice
    and an RMS a step (which cost more than the synthesis of a short line)."""
    length = len(audio)  # ms
    if length == 0:
        return 0, 0
    samples = np.asarray(audio.get_array_of_samples(), dtype=np.int64)
    squares = np.concatenate([[0], np.cumsum(samples * samples)])
    frames = len(samples) // audio.channels
    return (_leading(squares, frames, audio, length, silence_threshold, chunk_size, False),
            _leading(squares, frames, audio, length, silence_threshold, chunk_size, True))


def _leading(squares, frames, audio, length, threshold, chunk_size, from_end) -> int:
    starts = np.arange(0, length, chunk_size)
    # pydub slices [t, t + chunk) ms, the end held to the clip's length, as frames int(ms * rate / 1000),
    # a slice short of its expected frames padded with silence (audioop.rms then counts the zeros)
    first = (starts * audio.frame_rate / 1000.0).astype(np.int64)
    last = (np.minimum(starts + chunk_size, length) * audio.frame_rate / 1000.0).astype(np.int64)
    count = np.maximum((last - first) * audio.channels, 1)
    a, b = np.minimum(first, frames), np.minimum(last, frames)
    if from_end:  # the reversed clip's frames [a, b) are the clip's [frames - b, frames - a)
        a, b = frames - b, frames - a
    energy = squares[b * audio.channels] - squares[a * audio.channels]
    rms = np.floor(np.sqrt(energy / count))
    with np.errstate(divide="ignore"):
        level = 20 * np.log10(rms / audio.max_possible_amplitude)
    loud = np.flatnonzero(level >= threshold)
    return int(min(starts[loud[0]], length)) if len(loud) else length
