"""The outputs stage of one language: its transcript files and its captions in every chosen format."""
from __future__ import annotations

from pathlib import Path

from .. import writers
from ..schema import Transcript


def write_transcript(transcript: Transcript, folder: Path, suffix: str = "") -> list[str]:
    """transcript.json/.txt for the source, transcript.<lang>.json/.txt for a translation."""
    return [str(p) for p in writers.write(transcript, folder, writers.TRANSCRIPT_FORMATS, suffix)]


def write_captions(transcript: Transcript, folder: Path, formats=writers.FORMATS, source: Transcript | None = None,
                   max_cps: float | None = None) -> list[str]:
    """captions.<lang>.* in each chosen format (see lingoflow/writers; default SRT and WebVTT).
    ``source``: for a translation, the transcript it translates (its cues follow that speech);
    ``max_cps``: the reading speed for every language (--max-cps; default: by language)."""
    return [str(p) for p in writers.write_captions(transcript, folder, formats, source=source, max_cps=max_cps)]
