"""Language switches inside a batched chunk: each segment keeps its own language.

Under code-switching the batched decoder detects one language per chunk (up to 30 s of speech),
so a chunk that spans a switch is decoded, and labelled, in its majority language: where the
chunk edges fall (they move with the CPU's int8 numerics) decides whether English before a
switch comes out as "German". Here, after a chunk is decoded, the language of its first and last
segment is detected on that segment's own audio; where either differs from the chunk's, every
segment of the chunk is detected (a segment Whisper is unsure of keeps the chunk's language:
a short or noisy segment is no evidence of a switch), consecutive segments of one language form
a run, and each run in another language than the chunk's is decoded again, alone, in its own language. A run
reaches from the end of the run before it to the start of the run after it, so no speech
between two runs is lost. The cost: two encoder passes per chunk in code-switching mode only.
"""
from __future__ import annotations

import logging

import numpy as np

SAMPLE_RATE = 16000
MIN_SPAN_SECONDS = 1.0  # a segment shorter than this is detected with its neighbours' audio up to this length

log = logging.getLogger(__name__)


def detect_spans(model, audio: np.ndarray, spans: list[tuple[float, float]], otherwise: str) -> list[str]:
    """Whisper's language of each (start, end) stretch of `audio` (seconds), one window each;
    `otherwise` where Whisper is unsure (a short or noisy segment is no evidence of a switch)."""
    from .language import UNSURE_BELOW

    from faster_whisper.audio import pad_or_trim

    from .chunks import encode as _encode

    if not spans:
        return []
    rows = []
    for start, end in spans:
        middle, half = (start + end) / 2, max(end - start, MIN_SPAN_SECONDS) / 2
        a, b = max(0, int((middle - half) * SAMPLE_RATE)), min(len(audio), int((middle + half) * SAMPLE_RATE))
        rows.append(pad_or_trim(model.feature_extractor(audio[a:b])[..., :-1]))
    encoded = _encode(model, np.stack(rows))
    return [r[0][0][2:-2] if r[0][1] >= UNSURE_BELOW else otherwise for r in model.model.detect_language(encoded)]


def runs_by_language(segments: list[dict], languages: list[str]) -> list[tuple[str, list[dict]]]:
    """Consecutive segments of one language, in order."""
    runs: list[tuple[str, list[dict]]] = []
    for seg, lang in zip(segments, languages):
        if runs and runs[-1][0] == lang:
            runs[-1][1].append(seg)
        else:
            runs.append((lang, [seg]))
    return runs


def clip(chunk, start: float, end: float):
    """The chunk's pieces within [start, end) of the window's time (seconds), as a chunk."""
    from .chunks import Chunk

    a, b = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
    pieces = [{"start": max(p["start"], a), "end": min(p["end"], b)} for p in chunk.pieces if p["end"] > a and p["start"] < b]
    return Chunk(pieces, chunk.round)


def split_at_switches(model, audio: np.ndarray, item, fallback) -> list:
    """`item` (a Decoded chunk, segments in window time) as one Decoded per language run; a run
    in another language than the chunk's is decoded again in its own (`fallback(audio, lang)`:
    chunk-time segment dicts)."""
    from .chunks import Decoded, to_window_time

    segments = item.segments
    if not segments or item.language is None:
        return [item]
    first, last = segments[0], segments[-1]
    edges = detect_spans(model, audio, list(dict.fromkeys([(first["start"], first["end"]), (last["start"], last["end"])])), item.language)
    if all(lang == item.language for lang in edges):
        return [item]
    languages = edges if len(segments) == 1 else detect_spans(model, audio, [(s["start"], s["end"]) for s in segments], item.language)
    runs = runs_by_language(segments, languages)
    if len(runs) == 1 and runs[0][0] == item.language:
        return [item]
    out = []
    chunk_start, chunk_end = item.chunk.pieces[0]["start"] / SAMPLE_RATE, item.chunk.pieces[-1]["end"] / SAMPLE_RATE
    for i, (lang, run) in enumerate(runs):
        if lang == item.language:
            out.append(Decoded(item.chunk, run, lang))
            continue
        start = runs[i - 1][1][-1]["end"] if i else chunk_start
        end = runs[i + 1][1][0]["start"] if i + 1 < len(runs) else chunk_end
        part = clip(item.chunk, start, end)
        if not part.pieces:
            continue
        log.debug("chunk at %.2f s: %.2f-%.2f s is %s, not %s: decoded again", item.chunk.at, start, end, lang, item.language)
        out.append(Decoded(part, to_window_time(fallback(part.audio(audio), lang), part), lang))
    return out
