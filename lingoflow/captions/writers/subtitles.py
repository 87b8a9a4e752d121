"""SRT and WebVTT, through pysubs2 (which escapes nothing: captions.display_text already made
the text safe for both formats)."""
from __future__ import annotations

import pysubs2

from .base import CaptionWriter, Document


def to_ssa(cues: list) -> pysubs2.SSAFile:
    """Cues as pysubs2 events, times rounded to the millisecond (every format writes these times)."""
    subs = pysubs2.SSAFile()
    for cue in cues:
        subs.append(pysubs2.SSAEvent(start=round(cue.start * 1000), end=round(cue.end * 1000), text=cue.text.replace("\n", "\\N")))
    return subs


class SrtWriter(CaptionWriter):
    name, suffix = "srt", ".srt"

    def render(self, cues: list, doc: Document | None = None) -> str:
        return to_ssa(cues).to_string("srt")


class VttWriter(CaptionWriter):
    name, suffix = "vtt", ".vtt"

    def render(self, cues: list, doc: Document | None = None) -> str:
        return to_ssa(cues).to_string("vtt")
