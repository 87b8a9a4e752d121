"""Speech the diarizer hears where the transcript has no words, decoded again on its own.

Whisper's decode goes over the speech Silero VAD finds; a quiet far-field turn it misses is
speech nobody reads, and a person nobody hears. Where the diarizer's turns cover at least
MIN_SECONDS with no transcript word in them, that stretch (with a little context) is decoded
alone, without the VAD, through the same hallucinated-fragment filter as the transcribe stage;
the words that land inside the stretch join the transcript in time order when there are at
least MIN_WORDS of them and they are probable enough.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ...schema import Segment, Transcript
from .base import Turn

MIN_SECONDS = 1.0  # heard speech without words shorter than this is left alone (breaths, backchannels)
WORD_MARGIN = 0.2  # seconds around each transcript word counted as covered by it
CONTEXT = 0.3  # seconds of audio either side of a stretch given to the decoder
# what no VAD vouched for must be surer than the transcribe stage's own decode: at least this
# many words, this probable on average (Whisper's "Mm" over a film's creature sounds is not)
MIN_WORDS = 2
MIN_PROBABILITY = 0.5
MIN_CONFIDENCE = math.exp(-1.0)  # a segment's mean token probability: Whisper's own retry threshold (log prob -1)
GAP = 1.0  # seconds of silence between two stretches decoded in one window
WINDOW_SECONDS = 30.0  # Whisper's window
RATE = 16000


def unheard(turns: list[Turn], segments: list[Segment], min_seconds: float = MIN_SECONDS) -> list[tuple[float, float]]:
    """Stretches of at least ``min_seconds`` inside the turns with no transcript word in them."""
    spans = sorted((t.start, t.end) for t in turns if t.end > t.start)
    speech: list[list[float]] = []
    for s, e in spans:  # the union of the turns
        if speech and s <= speech[-1][1]:
            speech[-1][1] = max(speech[-1][1], e)
        else:
            speech.append([s, e])
    covered = sorted((w.start - WORD_MARGIN, w.end + WORD_MARGIN) for seg in segments for w in (seg.words or [seg]))
    out = []
    for s, e in speech:
        cursor = s
        for a, b in covered:
            if b <= cursor or a >= e:
                continue
            if a - cursor >= min_seconds:
                out.append((round(cursor, 3), round(a, 3)))
            cursor = max(cursor, b)
        if e - cursor >= min_seconds:
            out.append((round(cursor, 3), round(e, 3)))
    return out


def redecode(audio: np.ndarray, transcript: Transcript, stretches: list[tuple[float, float]], engine, asr) -> list[Segment]:
    """The transcript's segments with what the stretches decode to, in time order, renumbered.
    ``engine``: a transcriber (lingoflow.asr); ``asr``: its AsrOptions (the VAD is turned off).

    A file's stretches (with their context) are joined, GAP s of silence apart, into pieces of at
    most 30 s, each decoded once at temperature 0: one Whisper window per piece, not one per
    stretch, and no hotter retries of what was decoded on the off chance."""
    found: list[Segment] = []
    options = replace(asr, vad=False, language=asr.language or transcript.language, batch_size=0, fallback=False)
    for piece in _pieces(stretches, len(audio) / RATE):
        gap = np.zeros(int(GAP * RATE), np.float32)
        joined = np.concatenate([part for k, (first, last, _) in enumerate(piece)
                                 for part in ((gap,) if k else ()) + (audio[int(first * RATE) : int(last * RATE)],)])
        at = np.cumsum([0.0] + [last - first + GAP for first, last, _ in piece])  # where each stretch begins in the piece
        words: list[list] = [[] for _ in piece]
        segments_of: list[list[Segment]] = [[] for _ in piece]
        for seg in engine.transcribe(joined, options).segments:
            if seg.confidence is not None and seg.confidence < MIN_CONFIDENCE:
                continue  # what the decoder would retry hotter is not trusted here
            for w in seg.words:
                mid = (w.start + w.end) / 2
                k = int(np.searchsorted(at, mid, side="right")) - 1
                if not 0 <= k < len(piece):
                    continue
                first, _, (s, e) = piece[k]
                shift = float(first - at[k])
                if s <= mid + shift <= e:  # only what lies in the unheard stretch
                    words[k].append(replace(w, start=round(w.start + shift, 3), end=round(w.end + shift, 3)))
                    if seg not in segments_of[k]:
                        segments_of[k].append(seg)
        for mine, segs in zip(words, segments_of):
            if len(mine) >= MIN_WORDS and np.mean([w.probability for w in mine]) >= MIN_PROBABILITY:
                whole = len(segs) == 1 and len(segs[0].words) == len(mine)  # the ASR's own text (its spacing, its script)
                found.append(replace(segs[0], start=mine[0].start, end=mine[-1].end, text=segs[0].text if whole else " ".join(w.text for w in mine),
                                     words=mine, speaker=None))
    if not found:
        return transcript.segments
    merged = sorted([*transcript.segments, *found], key=lambda seg: (seg.start, seg.end))
    return [replace(seg, id=i) for i, seg in enumerate(merged)]


def _pieces(stretches: list[tuple[float, float]], duration: float) -> list[list[tuple[float, float, tuple[float, float]]]]:
    """The stretches as (first, last, stretch): the audio decoded for each, its context added,
    grouped into pieces that fit one Whisper window."""
    pieces: list[list] = [[]]
    length = 0.0
    for s, e in stretches:
        first, last = max(0.0, s - CONTEXT), min(duration, e + CONTEXT)
        if pieces[-1] and length + last - first + GAP > WINDOW_SECONDS:
            pieces.append([])
            length = 0.0
        pieces[-1].append((first, last, (s, e)))
        length += last - first + GAP
    return [p for p in pieces if p]
