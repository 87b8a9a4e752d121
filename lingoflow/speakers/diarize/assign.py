"""Speaker turns -> transcript: a speaker per word, segments split where the speaker changes."""
from __future__ import annotations

from dataclasses import replace

from ...schema import Segment, Word
from .base import Turn

MIN_RUN_SECONDS = 0.7  # a shorter run of words between two others is taken as a labelling glitch


def speech_regions(segments: list[Segment], gap: float = 0.3) -> list[tuple[float, float]]:
    """Where the transcript has speech: its words (or segments without words), merged over short gaps."""
    spans = sorted(
        (w.start, w.end) for s in segments for w in (s.words or [Word(s.start, s.end, s.text)]) if w.end > w.start
    )
    merged: list[list[float]] = []
    for s, e in spans:
        if merged and s - merged[-1][1] <= gap:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(round(s, 3), round(e, 3)) for s, e in merged]


def _speaker_at(start: float, end: float, turns: list[Turn]) -> str | None:
    """The speaker whose turns overlap [start, end] most; the nearest turn when none overlaps."""
    if not turns:
        return None
    overlap: dict[str, float] = {}
    for t in turns:
        o = min(end, t.end) - max(start, t.start)
        if o > 0:
            overlap[t.speaker] = overlap.get(t.speaker, 0.0) + o
    if overlap:
        return max(overlap, key=overlap.get)
    mid = (start + end) / 2
    return min(turns, key=lambda t: min(abs(t.start - mid), abs(t.end - mid))).speaker


def _smooth(words: list[Word], labels: list[str | None]) -> list[str | None]:
    """Fold short runs (< MIN_RUN_SECONDS) into the neighbouring speaker, repeatedly."""
    labels = list(labels)
    changed = True
    while changed:
        changed = False
        runs: list[tuple[int, int]] = []  # [i, j) with one label
        for i, lab in enumerate(labels):
            if runs and labels[runs[-1][0]] == lab:
                runs[-1] = (runs[-1][0], i + 1)
            else:
                runs.append((i, i + 1))
        if len(runs) < 2:
            break
        # shortest run first, so glitches go before real (short) turns
        for i, j in sorted(runs, key=lambda r: words[r[1] - 1].end - words[r[0]].start):
            if words[j - 1].end - words[i].start >= MIN_RUN_SECONDS:
                break
            prev = labels[i - 1] if i > 0 else None
            nxt = labels[j] if j < len(labels) else None
            target = prev if prev is not None else nxt
            if prev is not None and nxt is not None and prev != nxt:
                # join the neighbour that is closer in time
                gap_prev = words[i].start - words[i - 1].end
                gap_next = words[j].start - words[j - 1].end
                target = prev if gap_prev <= gap_next else nxt
            if target is not None and target != labels[i]:
                labels[i:j] = [target] * (j - i)
                changed = True
                break
    return labels


def _split_text(text: str, runs: list[list[Word]]) -> list[str]:
    """The segment's own text cut where each run of words begins, so its spacing and punctuation
    stay as the ASR wrote them (also in languages written without spaces). Words not found in
    order in the text (an edited transcript) fall back to the words joined by spaces."""
    if len(runs) == 1:
        return [text]
    cuts, cursor = [], 0
    for r, run in enumerate(runs):
        for i, w in enumerate(run):
            found = text.find(w.text, cursor) if w.text else cursor
            if found < 0:
                return [" ".join(w.text for w in run).strip() for run in runs]
            if i == 0 and r > 0:
                cuts.append(found)
            cursor = found + len(w.text)
    bounds = [0, *cuts, len(text)]
    return [text[a:b].strip() for a, b in zip(bounds, bounds[1:])]


def apply_turns(segments: list[Segment], turns: list[Turn]) -> list[Segment]:
    """Segments with ``speaker`` set; one spanning a speaker change is split at word boundaries."""
    flat = [(k, w) for k, s in enumerate(segments) for w in s.words]
    labels = _smooth([w for _, w in flat], [_speaker_at(w.start, w.end, turns) for _, w in flat])
    per_segment: dict[int, list[tuple[Word, str | None]]] = {}
    for (k, w), lab in zip(flat, labels):
        per_segment.setdefault(k, []).append((w, lab))
    out: list[Segment] = []
    for k, seg in enumerate(segments):
        pairs = per_segment.get(k)
        if not pairs:
            out.append(replace(seg, speaker=_speaker_at(seg.start, seg.end, turns)))
            continue
        runs: list[list[tuple[Word, str | None]]] = []
        for w, lab in pairs:
            if runs and runs[-1][-1][1] == lab:
                runs[-1].append((w, lab))
            else:
                runs.append([(w, lab)])
        texts = _split_text(seg.text, [[w for w, _ in run] for run in runs])
        for run, text in zip(runs, texts):
            words = [w for w, _ in run]
            # a segment spans its words: Whisper's own span may hold seconds of silence around them
            out.append(replace(seg, start=words[0].start, end=words[-1].end, text=text, speaker=run[0][1], words=words))
    return [replace(s, id=i) for i, s in enumerate(out)]
