"""Short cues merged where one of them would read too fast, as subtitlers combine short lines.

Where one speaker says short phrases one after the other ("If you want...", "So, if you...")
near the end of the media or in a run of continuous speech, each phrase as its own cue needs its
own reading time, two frames apart, and the last may find no time left. One cue holding both
is read in the time their speech takes together. A cue over its reading speed is merged with its
neighbour only when the two are the same speaker and, from two segments, their speech runs on
without a pause (less than ``chain_below`` apart), the merged text still fits the lines, its speech lasts no longer
than a cue may, and the merge leaves fewer cues over the reading speed than before: cues that
read well are never merged.
"""
from __future__ import annotations

from dataclasses import replace

WINDOW = 6  # cues each side of a merge whose layout is compared (a merge only moves its neighbours)
PASSES = 3


def merge_fast_cues(cues: list, speech: list[tuple[float, float]], norms, media_end: float, layout, wrap):
    """(cues, speech spans, display spans) after merging; ``layout(chars, speech, norms, media_end)``
    lays cues out (cues._layout), ``wrap(text, max_chars, max_lines)`` wraps a cue's text."""
    spans = layout([c.chars for c in cues], speech, norms, media_end)
    start = (list(cues), list(speech), spans)
    before = _over_count(cues, spans, norms)
    for _ in range(PASSES):
        merged_any = False
        i = 0
        while i < len(cues):
            if not _reads_too_fast(cues[i], spans[i], norms):
                i += 1
                continue
            for a in (i - 1, i):  # with the cue before, else the one after
                joined = _joined(cues, speech, a, norms, wrap)
                if joined is not None and _better(cues, speech, spans, a, joined, norms, media_end, layout):
                    cues[a : a + 2] = [joined[0]]
                    speech[a : a + 2] = [joined[1]]
                    spans[a : a + 2] = [(joined[1][0], joined[1][1])]  # placeholder until laid out again
                    merged_any = True
                    i = a
                    break
            i += 1
        if not merged_any:
            break
        spans = layout([c.chars for c in cues], speech, norms, media_end)
    if _over_count(cues, spans, norms) >= before:  # the windows misjudged: keep the cues as they were
        return start
    return cues, speech, spans


def _reads_too_fast(cue, span: tuple[float, float], norms) -> bool:
    dur = span[1] - span[0]
    return dur <= 0 or cue.chars / dur > norms.max_cps + 1e-6


def _over_count(cues: list, spans: list, norms) -> int:
    return sum(_reads_too_fast(c, s, norms) for c, s in zip(cues, spans))


def _joined(cues: list, speech: list, a: int, norms, wrap):
    """Cues a and a+1 as one (the cue, its speech span), or None where they may not be merged."""
    if a < 0 or a + 1 >= len(cues):
        return None
    first, second = cues[a], cues[a + 1]
    (s1, e1), (s2, e2) = speech[a], speech[a + 1]
    if first.speaker != second.speaker:
        return None
    if first.segment != second.segment and s2 - e1 > norms.chain_below:
        return None  # apart in time: two utterances (and with speakers unknown, maybe two people)
    if max(e1, e2) - s1 > norms.max_duration:
        return None
    lines = wrap(" ".join([*first.lines, *second.lines]), norms.max_line_chars, norms.max_lines)
    if lines is None:
        return None
    pieces = list(first.owners())
    for seg, words in second.owners():
        if pieces and pieces[-1][0] == seg:
            pieces[-1] = (seg, pieces[-1][1] + words)
        else:
            pieces.append((seg, words))
    cue = replace(first, lines=lines, pieces=tuple(pieces) if len(pieces) > 1 else ())
    return cue, (s1, max(e1, e2))


def _better(cues, speech, spans, a: int, joined, norms, media_end: float, layout) -> bool:
    """Whether merging cues a and a+1 leaves fewer cues over the reading speed, laid out in a
    window around them that ends where the next cue is shown now."""
    lo, hi = max(a - WINDOW, 0), min(a + 2 + WINDOW, len(cues))
    end = media_end if hi == len(cues) else spans[hi][0] - norms.min_gap
    now = cues[lo:hi]
    now_spans = layout([c.chars for c in now], speech[lo:hi], norms, end)
    trial = [*cues[lo:a], joined[0], *cues[a + 2 : hi]]
    trial_speech = [*speech[lo:a], joined[1], *speech[a + 2 : hi]]
    trial_spans = layout([c.chars for c in trial], trial_speech, norms, end)
    return _over_count(trial, trial_spans, norms) < _over_count(now, now_spans, norms)
