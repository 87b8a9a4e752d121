"""Long recordings in bounded memory: the 16 kHz WAV is read a window at a time.

A five-hour file is 576 MB as 16-bit PCM and twice that as float32; faster-whisper's VAD
makes further copies of the whole array. Reading ten-minute windows keeps memory flat
whatever the length. Each window ends at the quietest 100 ms of its last 30 seconds, so a
cut falls in a pause rather than through a word. A window whose peak stays under -70 dBFS
(digital silence, dither) holds nothing a recognizer could hear and is skipped without
running any model, which is what makes hours of silence take seconds.
"""
from __future__ import annotations

import os
import wave
from dataclasses import dataclass
from typing import Iterator

import numpy as np

WINDOW_SECONDS = 600.0
SEARCH_SECONDS = 30.0  # where, before a window's end, to look for a pause to cut at
FRAME_SECONDS = 0.1
SILENT_PEAK = 10  # int16 amplitude, about -70 dBFS


@dataclass
class Window:
    offset: float  # seconds from the start of the file
    audio: np.ndarray  # float32 mono in [-1, 1]
    silent: bool


def _quietest_cut(pcm: np.ndarray, rate: int, search_seconds: float) -> int:
    """Sample index (in pcm) of the quietest 100 ms frame's start within the search region."""
    frame = int(FRAME_SECONDS * rate)
    region = pcm[-int(search_seconds * rate):]
    n = len(region) // frame
    if n < 2:
        return len(pcm)
    energy = np.square(region[: n * frame].astype(np.float32)).reshape(n, frame).mean(axis=1)
    best = int(np.argmin(energy[1:])) + 1  # never cut at the very start of the region
    return len(pcm) - len(region) + best * frame


def windows(path: str | os.PathLike, window_seconds: float | None = None, search_seconds: float | None = None) -> Iterator[Window]:
    """The WAV (16-bit PCM, mono) as consecutive windows covering every sample exactly once."""
    window_seconds = window_seconds or WINDOW_SECONDS
    search_seconds = search_seconds or SEARCH_SECONDS
    with wave.open(str(path), "rb") as w:
        rate, total = w.getframerate(), w.getnframes()
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit mono PCM")
        size = int(window_seconds * rate)
        pos = 0
        while pos < total:
            w.setpos(pos)
            take = min(size, total - pos)
            pcm = np.frombuffer(w.readframes(take), dtype="<i2")
            if pos + take < total and take > int(2 * search_seconds * rate):
                pcm = pcm[: _quietest_cut(pcm, rate, search_seconds)]
            silent = not len(pcm) or int(np.abs(pcm.astype(np.int32)).max()) < SILENT_PEAK
            yield Window(pos / rate, pcm.astype(np.float32) / 32768.0, silent)
            pos += len(pcm)


class WavSamples:
    """A 16-bit mono WAV as a read-only float32 sequence read from disk slice by slice:
    `len()` and `[a:b]` like an array, without holding the file in memory (plain reads, not
    a memory map, whose touched pages would count against the process as it goes)."""

    def __init__(self, path: str | os.PathLike):
        with wave.open(str(path), "rb") as w:
            if w.getnchannels() != 1 or w.getsampwidth() != 2:
                raise ValueError(f"{path}: expected 16-bit mono PCM")
            self._frames = w.getnframes()
        self._path = str(path)
        self._offset = _data_offset(path) if self._frames else 0

    def __len__(self) -> int:
        return self._frames

    def __getitem__(self, index: slice) -> np.ndarray:
        start, stop, step = index.indices(self._frames)
        if step != 1:
            raise ValueError("WavSamples supports contiguous slices only")
        count = max(0, stop - start)
        with open(self._path, "rb") as fh:
            fh.seek(self._offset + 2 * start)
            pcm = np.frombuffer(fh.read(2 * count), dtype="<i2")
        return pcm.astype(np.float32) / 32768.0


def _data_offset(path: str | os.PathLike) -> int:
    """Byte offset of a RIFF/WAVE file's sample data (after the 'data' chunk header)."""
    with open(path, "rb") as fh:
        fh.seek(12)
        while header := fh.read(8):
            if len(header) < 8:
                break
            size = int.from_bytes(header[4:], "little")
            if header[:4] == b"data":
                return fh.tell()
            fh.seek(size + (size & 1), 1)
    raise ValueError(f"{path}: no data chunk")
