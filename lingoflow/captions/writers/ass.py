"""Advanced SubStation Alpha: the same cues with a default style that reads on any picture.

White DejaVu Sans (the Debian font the Makefile installs; players fall back to a sans font)
with a dark outline and shadow, centred at the bottom, sized for a 1920x1080 canvas that
players scale to the video. Each event names its speaker (the cue's diarized label)."""
from __future__ import annotations

import pysubs2

from .base import CaptionWriter, Document
from .subtitles import to_ssa

FONT = "DejaVu Sans"
PLAY_RES = (1920, 1080)


def default_style() -> pysubs2.SSAStyle:
    return pysubs2.SSAStyle(
        fontname=FONT, fontsize=54, primarycolor=pysubs2.Color(255, 255, 255), outlinecolor=pysubs2.Color(0, 0, 0),
        backcolor=pysubs2.Color(0, 0, 0, 128), outline=3, shadow=1.5, borderstyle=1,
        alignment=pysubs2.Alignment.BOTTOM_CENTER, marginl=96, marginr=96, marginv=64,
    )


def styled(cues: list) -> pysubs2.SSAFile:
    subs = restyled(to_ssa(cues))
    for event, cue in zip(subs, cues):
        event.name = cue.speaker or ""
    return subs


def restyled(subs: pysubs2.SSAFile) -> pysubs2.SSAFile:
    """Events (from cues, or read back from an SRT) in the default style, on centisecond times."""
    _centiseconds(subs)
    for event in subs:
        event.style = "Default"
    subs.info["PlayResX"], subs.info["PlayResY"] = str(PLAY_RES[0]), str(PLAY_RES[1])
    subs.info["WrapStyle"] = "2"  # lines break only where the cue breaks them (the cue norms did)
    subs.info["ScaledBorderAndShadow"] = "yes"
    subs.styles = {"Default": default_style()}
    return subs


def _centiseconds(subs: pysubs2.SSAFile) -> None:
    """ASS times have centiseconds: starts to the nearest, ends rounded up (never shortening a
    cue below its reading time) unless that would run into the next cue, which it did not."""
    ends = [e.end for e in subs]
    starts = [round(e.start / 10) * 10 for e in subs]
    for k, event in enumerate(subs):
        end = -(-ends[k] // 10) * 10
        if k + 1 < len(subs) and ends[k] <= subs[k + 1].start:
            end = min(end, max(starts[k + 1], starts[k] + 10))
        event.start, event.end = starts[k], end


class AssWriter(CaptionWriter):
    name, suffix = "ass", ".ass"

    def render(self, cues: list, doc: Document | None = None) -> str:
        return styled(cues).to_string("ass")
