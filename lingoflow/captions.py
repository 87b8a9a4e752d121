"""Captions: re-segment a transcript into cues that keep subtitle norms, write SRT and WebVTT.

Norms (defaults): at most 42 characters a line, 2 lines a cue, 17 characters a second,
cues 5/6 s to 7 s long. Cues never cross a transcript segment (so a cue has one speaker),
are cut at word boundaries into balanced cues (preferring sentence and clause ends and pauses),
and are lengthened into the silence that follows when the reading speed would otherwise be too
high.
"""
from __future__ import annotations

import math
import os
import re
import unicodedata
from dataclasses import dataclass

import pysubs2

from .atomic import write_text
from .schema import Segment, Transcript


@dataclass(frozen=True)
class CaptionNorms:
    max_line_chars: int = 42
    max_lines: int = 2
    max_cps: float = 17.0
    min_duration: float = 5 / 6
    max_duration: float = 7.0
    max_delay: float = 0.75  # how late a cue may appear after its speech starts, for reading speed


@dataclass
class Cue:
    start: float
    end: float
    lines: list[str]
    speaker: str | None = None
    segment: int | None = None  # the transcript segment the cue comes from

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def chars(self) -> int:
        return sum(len(line) for line in self.lines)


@dataclass
class _Token:
    start: float
    end: float
    text: str


def wrap(text: str, max_chars: int, max_lines: int) -> list[str] | None:
    """Split text into at most max_lines balanced lines of max_chars, or None if it cannot fit."""
    words = text.split()
    if not words:
        return []
    if len(text) <= max_chars:
        return [text]
    if max_lines < 2:
        return None
    best = None
    for i in range(1, len(words)):
        first, rest = " ".join(words[:i]), " ".join(words[i:])
        if len(first) > max_chars:
            break
        tail = wrap(rest, max_chars, max_lines - 1)
        if tail is None:
            continue
        lines = [first, *tail]
        score = max(len(line) for line in lines)
        if best is None or score < best[0]:
            best = (score, lines)
    return best[1] if best else None


# what subtitle formats would read as markup or structure, shown as look-alike characters:
# '<b>' is an HTML tag in SRT and WebVTT, '{...}' and '\\N' are SSA overrides, '-->' a cue timing
_DISPLAY = str.maketrans({"<": "\u2039", ">": "\u203a", "{": "(", "}": ")", "\\": "\u29f5"})


def display_text(text: str) -> str:
    """Text as a caption can show it: control characters and lone surrogates dropped, markup-like characters
    replaced (see _DISPLAY), whitespace (newlines too) collapsed; the transcript keeps the original."""
    text = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cs"} or ch in " \t\n")
    text = text.replace("-->", "\u2192").translate(_DISPLAY)
    # 'h:m:s.f' twice on a line reads as a cue timing to lenient parsers: use the ratio sign
    text = _CLOCK.sub(lambda m: m.group(0).replace(":", "\u2236"), text)
    return " ".join(text.split())


_CLOCK = re.compile(r"\d+:\d+:\d+[.,]\d+")


def _tokens(segment: Segment) -> list[_Token]:
    """Word timings from ASR, or for text without them (translations) spread by character count."""
    if segment.words and " ".join(w.text for w in segment.words).strip():
        toks = [_Token(w.start, w.end, display_text(w.text)) for w in segment.words]
        return [t for t in toks if t.text] or _tokens_of_text(segment, display_text(segment.text))
    return _tokens_of_text(segment, display_text(segment.text))


def _tokens_of_text(segment: Segment, text: str) -> list[_Token]:
    words = text.split()
    total = sum(len(w) + 1 for w in words) or 1
    span = max(segment.end - segment.start, 0.0)
    tokens, t = [], segment.start
    for w in words:
        dur = span * (len(w) + 1) / total
        tokens.append(_Token(t, t + dur, w))
        t += dur
    return tokens


SENTENCE_END = ".?!\u2026\u3002\uff1f\uff01"
CLAUSE_END = ",;:\u3001\uff0c\uff1b"
PAUSE = 0.4  # seconds of silence between two words that make a natural cut


def _cut_bonus(tokens: list[_Token], j: int) -> float:
    """How good a place the cut before tokens[j] is: after a sentence, a clause, or in a pause."""
    if j >= len(tokens):
        return 0.0
    last = tokens[j - 1].text[-1:]
    bonus = 0.6 if last in SENTENCE_END else 0.25 if last in CLAUSE_END else 0.0
    if tokens[j].start - tokens[j - 1].end >= PAUSE:
        bonus = max(bonus, 0.3)
    return bonus


def _chunks(tokens: list[_Token], norms: CaptionNorms) -> list[list[_Token]]:
    """A segment's words cut into cues that keep the norms: as few cues as fit, of balanced
    length (no orphan 'on the left.' after a full cue), cut where the speech cuts itself.

    Dynamic programming over cut points; a cue costs 1 plus its squared share of a full cue
    (which favours balance), less a bonus for where it ends (see _cut_bonus)."""
    capacity = norms.max_line_chars * norms.max_lines
    n = len(tokens)
    cost = [0.0] + [math.inf] * n  # cost[j]: the best cut of tokens[:j]
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        chars, bonus = -1, _cut_bonus(tokens, j)
        for i in range(j - 1, -1, -1):
            chars += len(tokens[i].text) + 1
            if i < j - 1:  # a single token always makes a cue (hard-wrapped when too long)
                if chars > capacity or tokens[j - 1].end - tokens[i].start > norms.max_duration:
                    break
                if wrap(" ".join(t.text for t in tokens[i:j]), norms.max_line_chars, norms.max_lines) is None:
                    continue
            c = cost[i] + 1.0 + min(chars / capacity, 1.0) ** 2 - bonus
            if c < cost[j]:
                cost[j], back[j] = c, i
    chunks: list[list[_Token]] = []
    j = n
    while j > 0:
        chunks.append(tokens[back[j] : j])
        j = back[j]
    return chunks[::-1]


def make_cues(transcript: Transcript, norms: CaptionNorms = CaptionNorms()) -> list[Cue]:
    cues: list[Cue] = []
    for segment in transcript.segments:
        for chunk in _chunks(_tokens(segment), norms):
            text = " ".join(t.text for t in chunk)
            lines = wrap(text, norms.max_line_chars, norms.max_lines) or _hard_wrap(text, norms)
            cues.append(Cue(chunk[0].start, max(chunk[-1].end, chunk[0].start + 0.1), lines, segment.speaker, segment.id))
    cues.sort(key=lambda c: c.start)
    _fit_durations(cues, norms, transcript.source.duration)
    return cues


def _hard_wrap(text: str, norms: CaptionNorms) -> list[str]:
    """Fallback for a single token longer than a cue (a URL): cut it into full lines."""
    n = norms.max_line_chars
    return [text[i : i + n] for i in range(0, len(text), n)]


def _fit_durations(cues: list[Cue], norms: CaptionNorms, media_end: float) -> None:
    """Lengthen cues for reading speed and a minimum duration: into the following silence, and
    where speech runs on, by showing the next cue up to ``max_delay`` after its speech starts."""
    starts = [round(c.start, 3) for c in cues]  # where each cue's speech starts
    for i, cue in enumerate(cues):
        if i > 0:  # a cue starts once the previous one is off screen (pushed at most max_delay)
            cue.start = max(starts[i], cues[i - 1].end)
        else:
            cue.start = starts[i]
        limit = starts[i + 1] + norms.max_delay if i + 1 < len(cues) else max(media_end, cue.end)
        wanted = max(cue.chars / norms.max_cps, norms.min_duration)
        end = min(max(cue.end, cue.start + wanted), cue.start + norms.max_duration)
        # rounded up to the millisecond, so rounding never pushes reading speed over the norm
        cue.end = max(min(math.ceil(end * 1000) / 1000, limit), cue.start + 0.04)
        if i + 1 < len(cues) and cue.end < starts[i + 1]:
            continue
        if i + 1 < len(cues):  # it runs into the next cue's speech: never later than needed
            cue.end = min(cue.end, max(starts[i + 1], math.ceil((cue.start + wanted) * 1000) / 1000))


def to_ssa(cues: list[Cue]) -> pysubs2.SSAFile:
    from .writers.subtitles import to_ssa as cues_to_ssa

    return cues_to_ssa(cues)


def write(cues: list[Cue], srt_path: str | os.PathLike, vtt_path: str | os.PathLike) -> None:
    """The SRT and WebVTT of these cues (the formats themselves are writers: lingoflow/writers)."""
    from .writers.subtitles import SrtWriter, VttWriter

    for path, writer in ((srt_path, SrtWriter()), (vtt_path, VttWriter())):
        write_text(path, writer.render(cues))
