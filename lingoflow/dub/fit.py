"""``dub.<lang>.fit.json``: how each dubbed segment was fitted into its slot (schema ``lingoflow.dub.fit/1``).

One entry a spoken segment: its source slot (start, end), where the dub starts and ends in the
track (``dub_start``, up to 0.25 s early to 0.5 s late; ``dub_end``), the engine's own rate
(``engine_speed``) and the time stretch applied (``speed``), both together (``speedup``, capped by
--max-speedup), the seconds cut off (``overflow``) and the words that cut removed
(``removed_words``), the source words clean verbatim left out (``condensed``), the later segments re-flowed into this
line (``joined``: a phrase split over two segments of one speaker is spoken once over both), the text spoken,
whether it is a reviewer's edit, and whether it was synthesized in this run (``resynthesized``;
otherwise its clip came from the cache). The review page draws its timeline from this file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..store.atomic import write_json
from ..store.record import Record, read_schema_json
from ..schema import Transcript

if TYPE_CHECKING:
    from .track import FitStats

DUBFIT_SCHEMA = "lingoflow.dub.fit/1"


@dataclass
class FitSummary(Record):
    """report.json ``dub_fit`` for one language: how the dub fitted its slots, in totals
    (the values come from dub.FitStats.summary)."""

    segments: int = 0
    sped_up: int = 0
    max_speed: float = 1.0
    overflowed: list[int] = field(default_factory=list)  # segment ids cut
    tightened: int = 0
    slowed: int = 0
    min_speed: float = 1.0
    borrowed: int = 0
    background: str = "none"
    voices: dict[str, str] = field(default_factory=dict)  # speaker -> voice identity
    rate_sped_up: int = 0
    max_engine_speed: float = 1.0
    max_effective_speed: float = 1.0
    lost_seconds: float = 0.0
    worst_drift: float = 0.0
    early: int = 0
    pushed: int = 0
    removed_words: dict[str, list[str]] = field(default_factory=dict)  # segment id (as JSON keys are) -> words cut
    max_speedup: float = 1.4  # the cap on engine rate x time stretch (--max-speedup)
    speedup_median: float = 1.0  # engine rate x time stretch over the lines
    speedup_p90: float = 1.0
    over_1_3x: int = 0  # lines heard more than 1.3x faster than the voice's pace
    words_condensed: int = 0  # source words clean verbatim left out of the lines


@dataclass
class FitSegment:
    """One spoken segment of ``dub.<lang>.fit.json``."""

    id: int
    start: float  # the source slot
    end: float
    dub_start: float | None = None  # where the dub sits in the track (None in fits written before it could move)
    dub_end: float | None = None
    speed: float = 1.0
    engine_speed: float = 1.0
    overflow: float = 0.0
    removed_words: list[str] = field(default_factory=list)
    text: str | None = None
    edited: bool = False
    resynthesized: bool = False
    condensed: list[str] = field(default_factory=list)  # source words clean verbatim left out (mt/condense.py)
    speedup: float = 1.0  # engine_speed x speed
    joined: list[int] = field(default_factory=list)  # later segments spoken in this line (a phrase re-flowed over both)


@dataclass
class FitFile:
    """``dub.<lang>.fit.json``, read back (the review page's timeline and fit columns)."""

    language: str
    segments: list[FitSegment] = field(default_factory=list)
    sped_up: int = 0
    max_speed: float = 1.0
    overflowed: list[int] = field(default_factory=list)
    max_effective_speed: float = 1.0
    lost_seconds: float = 0.0
    worst_drift: float = 0.0
    resynthesized: list[int] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d: dict) -> "FitFile":
        d = {k: v for k, v in d.items() if k != "schema"}
        d["segments"] = [FitSegment(**s) for s in d.get("segments", [])]
        return cls(**d)


def to_dict(translation: Transcript, stats: FitStats) -> dict:
    by_id = {s.id: s for s in translation.segments}
    made = set(stats.resynthesized)
    segments = []
    for p in stats.placements:
        seg = by_id.get(p.segment_id)
        segments.append({
            "id": p.segment_id,
            "start": p.start if p.source_start is None else p.source_start,
            "end": p.source_end,
            "dub_start": p.start,
            "dub_end": p.end,
            "speed": p.speed,
            "engine_speed": p.engine_speed,
            "overflow": p.overflow,
            "removed_words": p.removed_words,
            "condensed": p.condensed,
            "joined": p.joined,
            "speedup": p.speedup,
            "text": seg.text if seg else None,
            "edited": bool(seg and seg.edited),
            "resynthesized": p.segment_id in made,
        })
    return {
        "schema": DUBFIT_SCHEMA,
        "language": translation.language,
        "segments": segments,
        "sped_up": stats.sped_up,
        "max_speed": stats.max_speed,
        "overflowed": list(stats.overflowed),
        "max_effective_speed": stats.max_effective_speed,
        "lost_seconds": stats.lost_seconds,
        "worst_drift": stats.worst_drift,
        "resynthesized": sorted(made),
    }


def write(path: Path, translation: Transcript, stats: FitStats) -> Path:
    return write_json(path, to_dict(translation, stats))


def read(path: Path) -> FitFile | None:
    """The fit file, or None when it is missing or not one of ours (the page then draws no fit row).
    A file of ours that does not hold what ``to_dict`` writes is an error naming it."""
    data = read_schema_json(path, DUBFIT_SCHEMA)
    if data is None:
        return None
    try:
        return FitFile.from_dict(data)
    except (TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: a damaged dub fit file: {exc}") from exc
