"""Reading norms as data: per language, how fast a caption may be read and how much it may hold.

From Netflix's Timed Text Style Guides (partnerhelp.netflixstudios.com, one guide a language;
"Reading speed limits", "Character limitation", "Duration"): characters a second for adult
programmes, characters a line, lines a cue, and a cue's shortest and longest duration (5/6 s,
i.e. 20 frames, to 7 s in every guide). Japanese counts full-width characters. A language not
listed gets DEFAULT. The ``children`` profile (the guides' "Children's programs" speeds) lowers
the reading speed: 17 for English, 13 for the others (never above the adult speed).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadingNorm:
    cps: float  # characters a second
    line_chars: int  # characters a line
    lines: int = 2
    min_duration: float = 5 / 6
    max_duration: float = 7.0


NORMS: dict[str, ReadingNorm] = {
    "en": ReadingNorm(20, 42),
    "pt": ReadingNorm(17, 42),  # pt-BR and pt-PT
    "es": ReadingNorm(17, 42),
    "de": ReadingNorm(17, 42),
    "fr": ReadingNorm(17, 42),
    "it": ReadingNorm(17, 42),
    "ja": ReadingNorm(4, 13),
    "ko": ReadingNorm(12, 16),
    "zh": ReadingNorm(9, 16),
    "hi": ReadingNorm(22, 42),
    "ar": ReadingNorm(20, 42),
    "th": ReadingNorm(17, 35),
}
DEFAULT = ReadingNorm(17, 42)
CHILDREN_CPS = {"en": 17.0}
CHILDREN_DEFAULT_CPS = 13.0
PROFILES = ("adult", "children")


def reading_norm(language: str | None, profile: str = "adult") -> ReadingNorm:
    """The norm of a language (its base code: pt-BR -> pt) for a profile (``adult`` or ``children``)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown reading profile {profile!r} (profiles: {', '.join(PROFILES)})")
    base = (language or "").split("-")[0].lower()
    norm = NORMS.get(base, DEFAULT)
    if profile == "children":
        cps = min(norm.cps, CHILDREN_CPS.get(base, CHILDREN_DEFAULT_CPS))
        norm = ReadingNorm(cps, norm.line_chars, norm.lines, norm.min_duration, norm.max_duration)
    return norm
