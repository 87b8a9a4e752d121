"""The per-file timeline as SVG shapes: speech segments per speaker, and per dub language each
dubbed segment coloured by how it was fitted (as spoken, sped up, cut off)."""
from __future__ import annotations

from dataclasses import dataclass

WIDTH = 1000
LABEL = 120  # room for row labels on the left
ROW = 22
GAP = 8
AXIS = 18


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    kind: str  # "speech" | "dub-ok" | "dub-fast" | "dub-cut", plus " edited" for a reviewer's text
    start: float
    segment: int
    title: str


@dataclass
class Row:
    label: str
    y: float


@dataclass
class Timeline:
    width: int
    height: int
    left: int
    rows: list[Row]
    boxes: list[Box]
    ticks: list[tuple[float, str]]  # x, label
    duration: float


def _step(duration: float) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if duration / step <= 12:
            return step
    return 7200


def _clock(t: float) -> str:
    m, s = divmod(int(round(t)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def build(page: dict) -> Timeline:
    duration = max(page["duration"], max((s["end"] for s in page["segments"]), default=0.0), 0.001)
    span = WIDTH - LABEL - 10

    def x(t: float) -> float:
        return round(LABEL + span * max(0.0, min(t, duration)) / duration, 2)

    speakers = sorted({s["speaker"] for s in page["segments"]}) or [""]
    rows: list[Row] = []
    boxes: list[Box] = []
    y = AXIS
    for speaker in speakers:
        rows.append(Row(speaker or "speech", y))
        for s in page["segments"]:
            if s["speaker"] == speaker:
                boxes.append(Box(x(s["start"]), y, max(x(s["end"]) - x(s["start"]), 1.0), ROW, "speech", s["start"], s["id"],
                                 f"#{s['id']} {_clock(s['start'])}-{_clock(s['end'])} {(s['speaker'] + ': ') if s['speaker'] else ''}{s['text'][:80]}"))
        y += ROW + GAP
    for lang, fit in page["fits"].items():
        rows.append(Row(f"dub {lang}", y))
        for f in fit.segments if fit else []:
            kind = "dub-cut" if f.overflow > 0 else "dub-fast" if f.speed > 1.0 else "dub-ok"
            note = f"cut {f.overflow:.2f} s" if f.overflow > 0 else f"{f.speed:.2f}x" if f.speed != 1.0 else "as spoken"
            end = f.dub_end if f.dub_end is not None else f.end
            if f.edited:
                kind += " edited"
            boxes.append(Box(x(f.start), y, max(x(end) - x(f.start), 1.0), ROW, kind, f.start, f.id,
                             f"#{f.id} {lang} {note}{' (edited)' if f.edited else ''}{' (re-dubbed)' if f.resynthesized else ''}"))
        y += ROW + GAP
    step = _step(duration)
    ticks = [(x(t * step), _clock(t * step)) for t in range(int(duration // step) + 1)]
    return Timeline(WIDTH, int(y), LABEL, rows, boxes, ticks, duration)
