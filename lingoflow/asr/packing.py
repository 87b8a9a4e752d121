"""Several short files' speech packed into full Whisper windows, and each word put back in its file.

Whisper encodes 30 s windows whatever it hears: an 8 s file pays for 30 s. A library of short
recordings (voicemail, course snippets, meeting cuts) spends most of its recognition time on
padding. Here the speech of several short files, in one decided language, shares windows:

- a file's speech is its VAD regions joined, exactly the sequential decoder's input, and it is
  never split across two windows (files with less than PACK_BELOW_SECONDS of speech only);
- GAP_SECONDS of silence follow each file's speech, so Whisper closes its segment there; no
  prompt carries from one window to the next (the batched decoder's, condition_on_previous_text off);
- the windows are decoded by the lossless batched decoder (batched.py): a window whose decode
  stops early goes back in the queue from its last word, as the sequential decoder's seek does;
- each word goes back to the file whose speech holds its middle, at its time in that file (a
  word with one end in a file's speech and the other in the silence beside it: that file's);
- a file whose words do not reach its speech's start or end (within UNHEARD_SECONDS, more than
  a VAD pad) was not fully heard in its window, and two files a segment ran across with a word
  over most of the silence between them and no end in either's speech, or one in each, were
  not told apart (that word may belong to either):
  these are decoded again alone, so nothing is lost and nothing moves;
- a window the sequential decoder would retry hotter (its words too unlikely, or its text too
  repetitive) is not decoded again whole: one file in the wrong language sinks a window's
  average, so each file's share is judged by the same rules on its own words, and only a file
  that breaks them is decoded again alone (on 2-core Intel, whole-window retries had made
  packing slower than one file at a time: bench/packing.py);
- only where each file's language is known without hearing it alone (--from, or a one-language
  --languages list): Whisper's language detection costs a padded 30 s encoder pass a file, the
  very cost packing saves (bench/packing.py; on the short cuts of ../shared/eval, detecting
  each file's language first made packing 0.9x the speed of one file at a time).
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

from .chunks import SAMPLE_RATE, Chunk

PACK_BELOW_SECONDS = 20.0  # of speech: a file with more fills most of a window by itself
GAP_SECONDS = 1.5  # silence after each file's speech in a window
UNHEARD_SECONDS = 1.0  # speech before a file's first word or after its last: a VAD pad (0.4 s) is expected
WINDOW_SECONDS = 30.0


def speech_regions(audio: np.ndarray) -> list[dict]:
    """The sequential decoder's speech regions (Silero VAD, faster-whisper's default options)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return get_speech_timestamps(audio, VadOptions())


def speech_seconds(regions: list[dict]) -> float:
    return sum(r["end"] - r["start"] for r in regions) / SAMPLE_RATE


@dataclass
class Layout:
    """The files' speech one after another (each file's regions joined, then a gap): `audio`;
    `pieces[i]`: file i's range in it (speech and gap), the unit windows are packed from;
    `parts`: (start, end, file, start in the file) of each region, in `audio`'s samples."""

    audio: np.ndarray
    pieces: list[dict]
    parts: list[tuple[int, int, int, int]] = field(default_factory=list)
    gap: int = 0  # samples of silence after each file's speech

    def windows(self) -> list[Chunk]:
        """The pieces packed in order into windows of at most 30 s; a window ends where its last
        file's speech does (its gap cut: after it, silence would read as speech left unheard)."""
        from .batched import pack

        windows = pack(self.pieces, WINDOW_SECONDS)
        for w in windows:
            last = w.pieces[-1]
            last["end"] = max(last["start"], last["end"] - self.gap)
        return windows

    def locate(self, t: float) -> int:
        """The part holding `t` (seconds in `audio`); in a gap between two files, the nearer one
        (Whisper's timestamps at a boundary are a little early or late)."""
        at = int(round(t * SAMPLE_RATE))
        index = max(0, bisect_right([p[0] for p in self.parts], at) - 1)
        if index + 1 < len(self.parts) and at >= self.parts[index][1]:
            after, before = self.parts[index + 1][0] - at, at - self.parts[index][1]
            if after < before:
                return index + 1
        return index

    def files_in(self, chunk: Chunk) -> set[int]:
        """The files whose speech a chunk of `audio` holds (a window's rest included)."""
        return {file for start, end, file, _ in self.parts for p in chunk.pieces if p["start"] < end and start < p["end"]}

    def file_time(self, t: float, part: int) -> float:
        start, end, _, at = self.parts[part]
        inside = min(max(t * SAMPLE_RATE, start), end) - start
        return round((at + inside) / SAMPLE_RATE, 3)


def layout(audios: list[np.ndarray], regions: list[list[dict]], gap: float = GAP_SECONDS) -> Layout:
    blocks, pieces, parts, at = [], [], [], 0
    silence = np.zeros(int(gap * SAMPLE_RATE), np.float32)
    for i, (audio, found) in enumerate(zip(audios, regions)):
        start = at
        for r in found:
            blocks.append(audio[r["start"]:r["end"]])
            parts.append((at, at + r["end"] - r["start"], i, r["start"]))
            at += r["end"] - r["start"]
        blocks.append(silence)
        at += len(silence)
        pieces.append({"start": start, "end": at, "file": i})
    return Layout(np.concatenate(blocks).astype(np.float32) if blocks else np.zeros(0, np.float32), pieces, parts, len(silence))


def to_files(segments: list[dict], lay: Layout, count: int) -> tuple[list[list[dict]], set[int]]:
    """Segment dicts in the layout's time, split per file and put in each file's time; and the
    files a segment ran across. A word belongs to the file whose speech holds its middle; a
    segment whose words lie in two files is split there, and both files are marked: Whisper did
    not hear the boundary, so a word near it may sit in the wrong file."""
    out: list[list[dict]] = [[] for _ in range(count)]
    crossed: set[int] = set()
    for seg in segments:
        groups: list[tuple[int, list[dict]]] = []
        for w in seg.get("words") or []:
            part = _word_part(lay, float(w["start"]), float(w["end"]))
            file = lay.parts[part][2]
            if not groups or groups[-1][0] != file:
                groups.append((file, []))
            groups[-1][1].append({**w, "start": lay.file_time(float(w["start"]), part), "end": lay.file_time(float(w["end"]), part)})
        if not groups:  # no words: where its middle is
            part = lay.locate((float(seg["start"]) + float(seg["end"])) / 2)
            out[lay.parts[part][2]].append({**seg, "start": lay.file_time(float(seg["start"]), part),
                                            "end": lay.file_time(float(seg["end"]), part), "words": []})
            continue
        if len(groups) > 1 and _stretched(seg, lay):
            crossed.update(file for file, _ in groups)
        for file, words in groups:
            text = seg["text"] if len(groups) == 1 else "".join(w["word"] for w in words)
            out[file].append({**seg, "text": text, "start": words[0]["start"], "end": words[-1]["end"], "words": words})
    return out, crossed


def _stretched(seg: dict, lay: Layout) -> bool:
    """Whether a word of a segment that runs across files lies over a gap for more than half of
    it with neither end in a file's speech, or with one end in each file's: Whisper did not hear
    the boundary, and the word may belong to either file. A word with one end in a file's speech
    and the other in the silence after or before it is that file's (Whisper's word times run into
    a pause: a last word's end, a first word's start)."""
    gaps = [(a_end, b_start) for (_, a_end, a_file, _), (b_start, _, b_file, _) in zip(lay.parts, lay.parts[1:]) if a_file != b_file]
    for w in seg.get("words") or []:
        a, b = float(w["start"]) * SAMPLE_RATE, float(w["end"]) * SAMPLE_RATE
        for g0, g1 in gaps:
            if min(b, g1) - max(a, g0) > lay.gap / 2 and (a < g0) == (b > g1):
                return True
    return False


def _word_part(lay: Layout, start: float, end: float) -> int:
    """The part a word belongs to: the one holding its middle, except a word stretched from a
    file's speech into a gap, which keeps the file its speech end lies in."""
    first, last = lay.locate(start), lay.locate(end)
    if first != last:
        s0, e0 = lay.parts[first][:2]
        s1, e1 = lay.parts[last][:2]
        start_inside = s0 <= start * SAMPLE_RATE < e0
        end_inside = s1 < end * SAMPLE_RATE <= e1
        if start_inside != end_inside:
            return first if start_inside else last
    return lay.locate((start + end) / 2)


def unheard(segments: list[dict], regions: list[dict]) -> bool:
    """Whether a file's words miss the start or the end of its speech (file time): then it was
    not fully heard in its window and is decoded again alone."""
    words = [w for seg in segments for w in seg.get("words") or []]
    if not regions:
        return False
    first, last = regions[0]["start"] / SAMPLE_RATE, regions[-1]["end"] / SAMPLE_RATE
    if not words:
        return speech_seconds(regions) >= UNHEARD_SECONDS
    return words[0]["start"] - first > UNHEARD_SECONDS or last - words[-1]["end"] > UNHEARD_SECONDS
