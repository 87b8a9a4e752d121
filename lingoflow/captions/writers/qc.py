"""Caption QC: each cue against its language's reading norms, and what clean verbatim left out.

Written beside the captions as ``captions.<lang>.qc.json`` (schema ``lingoflow.captionqc/1``); the
captions stage reads it back into report.json (``captions``), the Prefect table and the review page.
A cue keeps the norms when its lines fit (characters a line, lines), it reads no faster than the
language's characters a second, and it lasts no longer than the longest duration and no shorter
than the shortest, unless the next cue follows it at the minimum gap (the speech left no more room).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...store.record import Record, read_schema_json
from ...store.atomic import write_json

QC_SCHEMA = "lingoflow.captionqc/1"


@dataclass
class CaptionQC(Record):
    """report.json ``captions`` for one language."""

    cues: int = 0
    within_norms: float = 1.0  # share of cues keeping every norm
    fastest_cps: float = 0.0
    max_cps: float = 0.0  # the language's norm
    over_norm: list[int] = field(default_factory=list)  # 1-based cue numbers (as in the SRT) outside the norms
    words_condensed: int = 0


def cue_faults(cues: list, norms) -> list[list[str]]:
    """Per cue, the norms it breaks (empty: it keeps them all)."""
    out = []
    for i, cue in enumerate(cues):
        dur = cue.end - cue.start
        gap = cues[i + 1].start - cue.end if i + 1 < len(cues) else None
        squeezed = gap is not None and gap <= norms.min_gap + 0.002
        faults = []
        if any(len(line) > norms.max_line_chars for line in cue.lines):
            faults.append("line length")
        if len(cue.lines) > norms.max_lines:
            faults.append("lines")
        if dur <= 0 or cue.chars / dur > norms.max_cps + 1e-6:
            faults.append("reading speed")
        if dur > norms.max_duration + 1e-6 or (dur < norms.min_duration - 1e-3 and not squeezed and gap is not None):
            faults.append("duration")
        out.append(faults)
    return out


def measure(cues: list, norms, removed: dict[int, list[str]]) -> dict:
    faults = cue_faults(cues, norms)
    speeds = [c.chars / (c.end - c.start) for c in cues if c.end > c.start]
    return {
        "cues": len(cues),
        "within_norms": round(sum(not f for f in faults) / len(cues), 4) if cues else 1.0,
        "fastest_cps": round(max(speeds, default=0.0), 2),
        "max_cps": norms.max_cps,
        "over_norm": [i + 1 for i, f in enumerate(faults) if f],
        "words_condensed": sum(len(v) for v in removed.values()),
    }


def write(path: Path, doc, norms) -> Path:
    """The QC file of one language's captions (``doc``: a writers.Document)."""
    faults = cue_faults(doc.cues, norms)
    return write_json(path, {
        "schema": QC_SCHEMA, "language": doc.language, "verbatim": doc.verbatim, "profile": doc.profile,
        "norms": {"cps": norms.max_cps, "line_chars": norms.max_line_chars, "lines": norms.max_lines,
                  "min_duration": round(norms.min_duration, 3), "max_duration": norms.max_duration},
        **measure(doc.cues, norms, doc.removed),
        "faults": {str(i + 1): f for i, f in enumerate(faults) if f},
        "condensed": [{"id": k, "removed": v} for k, v in sorted(doc.removed.items())],
    })


def read(path: Path) -> CaptionQC | None:
    data = read_schema_json(path, QC_SCHEMA)
    if data is None:
        return None
    return CaptionQC.from_dict({k: data[k] for k in CaptionQC.__dataclass_fields__ if k in data})
