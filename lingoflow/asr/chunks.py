"""Chunks of a recording's speech decoded as one Whisper window, and their times put back where
they were said: what the batched decoder (batched.py), the code-switching split (switches.py) and
the language windows (language.py) share."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

SAMPLE_RATE = 16000


@dataclass
class Chunk:
    """Pieces of the window's audio (sample ranges, in order) decoded as one Whisper window."""

    pieces: list[dict]
    round: int = 0

    @property
    def samples(self) -> int:
        return sum(p["end"] - p["start"] for p in self.pieces)

    def audio(self, audio: np.ndarray) -> np.ndarray:
        return np.concatenate([audio[p["start"]:p["end"]] for p in self.pieces])

    @property
    def at(self) -> float:
        return self.pieces[0]["start"] / SAMPLE_RATE

    def after(self, seconds: float) -> Chunk:
        """The chunk from `seconds` (in its own, pieces-joined, time) to its end."""
        skip = round(seconds * SAMPLE_RATE)
        rest = []
        for p in self.pieces:
            n = p["end"] - p["start"]
            if skip >= n:
                skip -= n
                continue
            rest.append({"start": p["start"] + skip, "end": p["end"]})
            skip = 0
        return Chunk(rest, self.round + 1)


@dataclass
class Decoded:
    chunk: Chunk
    segments: list[dict]  # faster-whisper segment dicts (text, start, end, words, ...), window time
    language: str | None = None


def to_window_time(segments: list[dict], chunk: Chunk) -> list[dict]:
    """Chunk-time segments and words to the window's time (the pieces put back where they were).

    A word keeps its start and end in the piece that holds its middle, as faster-whisper's
    restore_speech_timestamps does, so a word never spans the silence cut out between pieces;
    a segment whose words lie in pieces from different places (the rests of several chunks
    share a window) is split there, so each part sits where it was said.
    """
    from faster_whisper.vad import SpeechTimestampsMap

    ts_map = SpeechTimestampsMap(chunk.pieces, SAMPLE_RATE, time_precision=3)
    duration = chunk.samples / SAMPLE_RATE
    clamp = lambda t: min(max(float(t), 0.0), duration)  # (Whisper's timestamps can run past a short chunk)
    out = []
    for seg in segments:
        groups: list[list[dict]] = []
        place = None
        for w in seg.get("words") or []:
            a, b = clamp(w["start"]), clamp(w["end"])
            index = ts_map.get_chunk_index((a + b) / 2)
            here = _place(chunk, index)
            if not groups or here != place:
                groups.append([])
            place = here
            groups[-1].append({**w, "start": ts_map.get_original_time(a, index), "end": ts_map.get_original_time(b, index)})
        if not groups:
            start, end = ts_map.get_original_time(clamp(seg["start"])), ts_map.get_original_time(clamp(seg["end"]), is_end=True)
            out.append({**seg, "start": start, "end": end, "words": [], "round": chunk.round})
        for words in groups:
            text = seg["text"] if len(groups) == 1 else "".join(w["word"] for w in words)
            out.append({**seg, "text": text, "start": words[0]["start"], "end": words[-1]["end"], "words": words, "round": chunk.round})
    return out


def _place(chunk: Chunk, index: int) -> int:
    """Which run of contiguous pieces (one stretch of the window's audio) piece `index` is in."""
    return sum(1 for a, b in pairwise(chunk.pieces[: index + 1]) if a["end"] != b["start"])


def encode(model, features: np.ndarray):
    """The encoder output of a batch, one window at a time: on CPU the encoder's cost per window
    grows with the batch (its attention no longer fits the caches); the decoder is what gains."""
    if len(features) == 1 or model.model.device != "cpu":
        return model.encode(features)
    import ctranslate2

    rows = [np.asarray(model.encode(features[i:i + 1])) for i in range(len(features))]
    return ctranslate2.StorageView.from_array(np.concatenate(rows))
