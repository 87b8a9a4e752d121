"""Speech the diarizer hears where the transcript has no words, decoded again on its own.

Whisper's decode goes over the speech Silero VAD finds; a quiet far-field turn it misses is
speech nobody reads, and a person nobody hears. Where the diarizer's turns cover at least
MIN_SECONDS with no transcript word in them, that stretch (with a little context) is decoded
alone, without the VAD, through the same hallucinated-fragment filter as the transcribe stage;
the words that land inside the stretch join the transcript in time order when there are at
least MIN_WORDS of them and they are probable enough.
"""
from __future__ import annotations

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
    """The transcript's segments with what each stretch decodes to, in time order, renumbered.
    ``engine``: a transcriber (lingoflow.asr); ``asr``: its AsrOptions (the VAD is turned off)."""
    found: list[Segment] = []
    options = replace(asr, vad=False, language=asr.language or transcript.language, batch_size=0)
    for s, e in stretches:
        first = max(0.0, s - CONTEXT)
        piece = audio[int(first * RATE) : int((e + CONTEXT) * RATE)]
        for seg in engine.transcribe(piece, options).segments:
            words = [replace(w, start=round(w.start + first, 3), end=round(w.end + first, 3)) for w in seg.words]
            words = [w for w in words if s <= (w.start + w.end) / 2 <= e]  # only what lies in the unheard stretch
            if len(words) >= MIN_WORDS and np.mean([w.probability for w in words]) >= MIN_PROBABILITY:
                text = " ".join(w.text for w in words) if len(words) < len(seg.words) else seg.text
                found.append(replace(seg, start=words[0].start, end=words[-1].end, text=text, words=words, speaker=None))
    if not found:
        return transcript.segments
    merged = sorted([*transcript.segments, *found], key=lambda seg: (seg.start, seg.end))
    return [replace(seg, id=i) for i, seg in enumerate(merged)]
