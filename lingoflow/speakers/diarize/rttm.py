"""speakers.rttm: who speaks when as the diarizer heard it, in the standard RTTM form (one
`SPEAKER` line a turn; overlapping turns kept; the labels are the transcript's speakers)."""
from __future__ import annotations

import re
from pathlib import Path

from ...schema import Segment
from .base import Turn

NAME = "speakers.rttm"


def turns_of(segments: list[Segment]) -> list[Turn]:
    """Turns from a transcript's labelled segments (when no engine turns are kept: engine 'none',
    or a transcript edited and recast), each segment over its words."""
    out = []
    for s in segments:
        start, end = (s.words[0].start, s.words[-1].end) if s.words else (s.start, s.end)
        if s.speaker and end > start:
            out.append(Turn(round(start, 3), round(end, 3), s.speaker))
    return out


def _field(text: str) -> str:
    return re.sub(r"\s+", "_", text)  # RTTM fields are separated by whitespace


def format_rttm(turns: list[Turn], uri: str) -> str:
    """RTTM text: `SPEAKER <uri> 1 <start> <duration> <NA> <NA> <speaker> <NA> <NA>` a turn, in time order."""
    uri = _field(uri) or "audio"
    lines = [f"SPEAKER {uri} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {_field(t.speaker)} <NA> <NA>"
             for t in sorted(turns, key=lambda t: (t.start, t.end, t.speaker)) if t.end > t.start]
    return "".join(line + "\n" for line in lines)


def write_rttm(turns: list[Turn], uri: str, folder: Path) -> Path:
    """OUT/<item>/speakers.rttm, written atomically (left as it is when its text is unchanged)."""
    from ...store.atomic import write_text

    path = Path(folder) / NAME
    text = format_rttm(turns, uri)
    if not (path.is_file() and path.read_text(encoding="utf-8") == text):
        write_text(path, text)
    return path
