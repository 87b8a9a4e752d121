"""``dub.<lang>.fit.json``: how each dubbed segment was fitted into its slot (schema ``lingoflow.dubfit/1``).

One entry a spoken segment: its source slot (start, end), where the dub starts and ends in the
track (``dub_start``, up to 0.25 s early to 0.5 s late; ``dub_end``), the engine's own rate
(``engine_speed``) and the time stretch applied (``speed``), the seconds cut off (``overflow``)
and the words that cut removed (``removed_words``), the text spoken,
whether it is a reviewer's edit, and whether it was synthesized in this run (``resynthesized``;
otherwise its clip came from the cache). The review page draws its timeline from this file.
"""
from __future__ import annotations

import json
from pathlib import Path

from .atomic import write_json
from .dub import FitStats
from .schema import Transcript

DUBFIT_SCHEMA = "lingoflow.dubfit/1"


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


def read(path: Path) -> dict | None:
    """The fit file, or None when it is missing or not one of ours (the page then draws no fit row)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("schema") == DUBFIT_SCHEMA else None
