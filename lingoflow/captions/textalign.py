"""Human text on the ASR's clock: align a caption file's (or a transcript's) words to the words
the recognizer heard, and time every human word from that.

Both word lists are normalized (case, punctuation, numbers spelled out, so "1813." matches
"eighteen thirteen") and aligned by difflib's SequenceMatcher. A human word that matches takes
the ASR word's timing; a run of words between two matches takes the time between them, shared
by length (within what the ASR heard there when it heard something else, within the caption's
own cue when it heard nothing). ``coverage`` is the share of normalized words the two lists
agree on, of the longer list: low when the text is not what was said, or covers only part of it.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from ..schema import Segment, Word

SENTENCE_END = ".?!\u2026\u3002\uff1f\uff01"
CLAUSE_END = ",;:\u3001\uff0c\uff1b"
CUE_GAP = 1.5  # seconds between two cues that end a segment even without a full stop
LONG_SEGMENT = 25.0  # past this a segment ends at its next cue or clause end
MAX_SEGMENT = 45.0  # and past this at the next word
SECONDS_PER_CHAR = 0.065  # speech rate assumed where nothing times a word (about 15 chars/s)


@dataclass
class HumanWord:
    text: str  # as written (punctuation kept)
    cue_start: float | None = None  # the caption cue it sits in (None for plain text)
    cue_end: float | None = None
    cue: int = 0  # index of the cue (or the paragraph of a plain text)


@dataclass
class Alignment:
    words: list[Word]  # one per human word, timed
    aligned: list[bool]  # whether each took an ASR word's timing
    coverage: float


_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")


def normalize(text: str, language: str | None = None) -> list[str]:
    """A word as the tokens alignment compares: lower case, letters and digits only, numbers spelled out."""
    text = unicodedata.normalize("NFKC", text).casefold()
    tokens = []
    for part in re.split(r"[\s\-\u2010-\u2015/]+", text):
        core = "".join(ch for ch in part if ch.isalnum() or ch in ".,'").strip(".,'")
        core = core.replace("'", "")
        if not core:
            continue
        if _NUMBER.match(core) and core[:1].isdigit():
            tokens.extend(_spelled(core, language))
        else:
            tokens.append(core.replace(".", "").replace(",", ""))
    return [t for t in tokens if t]


def _spelled(number: str, language: str | None) -> list[str]:
    """'1813' as 'eighteen thirteen' (a year, as four digits between 1100 and 2099 are usually read), '8' as 'eight'."""
    try:
        from num2words import num2words

        value = number.replace(",", "") if language in (None, "en") else number.replace(".", "").replace(",", ".")
        n = float(value) if "." in value else int(value)
        year = isinstance(n, int) and 1100 <= n <= 2099 and len(number) == 4
        words = num2words(n, lang=language or "en", to="year" if year else "cardinal")
    except (ImportError, NotImplementedError, ValueError, OverflowError):
        return [number]
    return [w for w in re.split(r"[^\w]+", words.casefold()) if w]


def _expand(texts: list[str], language: str | None) -> tuple[list[str], list[int]]:
    tokens, owner = [], []
    for i, text in enumerate(texts):
        for tok in normalize(text, language):
            tokens.append(tok)
            owner.append(i)
    return tokens, owner


def align(human: list[HumanWord], asr: list[Word], language: str | None = None, span: tuple[float, float] = (0.0, 0.0)) -> Alignment:
    """Time every human word from the ASR's words (see the module's docstring); ``span``: the
    media's (start, end), bounding words nothing else times."""
    a_tok, a_own = _expand([w.text for w in human], language)
    b_tok, b_own = _expand([w.text for w in asr], language)
    times: list[tuple[float, float] | None] = [None] * len(human)
    hints: dict[int, tuple[float, float]] = {}  # unmatched human word -> what the ASR heard in its place
    matched = 0
    ops = difflib.SequenceMatcher(None, a_tok, b_tok, autojunk=False).get_opcodes() if a_tok and b_tok else []
    for op, i1, i2, j1, j2 in ops:
        if op == "equal":
            matched += i2 - i1
            for i, j in zip(range(i1, i2), range(j1, j2)):
                h, w = a_own[i], asr[b_own[j]]
                t = times[h]
                times[h] = (w.start, w.end) if t is None else (min(t[0], w.start), max(t[1], w.end))
        elif op == "replace":
            heard = (asr[b_own[j1]].start, asr[b_own[j2 - 1]].end)
            for i in range(i1, i2):
                hints[a_own[i]] = heard
    aligned = [t is not None for t in times]
    _share(human, times)
    _fill(human, times, hints, span)
    words = [Word(round(s, 3), round(e, 3), h.text) for h, (s, e) in zip(human, times)]
    coverage = matched / max(len(a_tok), len(b_tok)) if a_tok and b_tok else 0.0
    return Alignment(words, aligned, round(coverage, 4))


def _share(human: list[HumanWord], times: list) -> None:
    """Human words matched to the same ASR word ("eighteen thirteen" heard as "1813") split its time by length."""
    i = 0
    while i < len(times):
        k = i + 1
        while times[i] is not None and k < len(times) and times[k] == times[i]:
            k += 1
        if k - i > 1:
            (lo, hi), chars = times[i], [len(human[r].text) + 1 for r in range(i, k)]
            t = lo
            for r, c in zip(range(i, k), chars):
                d = (hi - lo) * c / sum(chars)
                times[r] = (t, t + d)
                t += d
        i = k


def _fill(human: list[HumanWord], times: list, hints: dict, span: tuple[float, float]) -> None:
    """Time each run of unmatched words between its matched neighbours (see the module's docstring)."""
    i, n = 0, len(human)
    while i < n:
        if times[i] is not None:
            i += 1
            continue
        k = i
        while k < n and times[k] is None:
            k += 1
        run = range(i, k)
        chars = [len(human[r].text) + 1 for r in run]
        left = times[i - 1][1] if i > 0 else None
        right = times[k][0] if k < n else None
        lo, hi = _bounds(human, run, hints, left, right, sum(chars) * SECONDS_PER_CHAR, span)
        t, total = lo, sum(chars)
        for r, c in zip(run, chars):
            d = (hi - lo) * c / total
            times[r] = (t, t + d)
            t += d
        i = k


def _bounds(human, run: range, hints: dict, left, right, needed: float, span) -> tuple[float, float]:
    first, last = human[run[0]], human[run[-1]]
    if all(r in hints for r in run):  # the ASR heard other words there: their time
        lo, hi = min(hints[r][0] for r in run), max(hints[r][1] for r in run)
    else:  # the cue's time where the caption has one, else the time the words need
        lo = first.cue_start if first.cue_start is not None else (left if left is not None else (right if right is not None else span[0]) - needed)
        hi = last.cue_end if last.cue_end is not None else (right if right is not None else lo + needed)
    lo = max(lo, left) if left is not None else max(lo, span[0])
    hi = min(hi, right) if right is not None else hi
    if hi < lo:  # the cue and the matched neighbours disagree: the neighbours win
        lo = left if left is not None else min(lo, hi)
        hi = right if right is not None else lo + needed
    return lo, max(hi, lo)


def segments(words: list[Word], human: list[HumanWord], language: str) -> list[Segment]:
    """The timed human words as transcript segments: a sentence each, also ended by a pause
    between cues, and by length (see the constants above); never reordered."""
    out: list[Segment] = []
    start = 0
    for i, w in enumerate(words):
        nxt = i + 1
        last = nxt == len(words)
        seconds = w.end - words[start].start
        ends_cue = last or human[nxt].cue != human[i].cue
        # a plain text's paragraph always ends a segment; a caption's cue when a pause follows it
        gap = not last and ends_cue and (human[i].cue_end is None or (human[nxt].cue_start or 0.0) - human[i].cue_end >= CUE_GAP)
        if (last or w.text[-1:] in SENTENCE_END or w.text.rstrip("\"'\u201d\u2019)")[-1:] in SENTENCE_END or gap
                or (seconds >= LONG_SEGMENT and (ends_cue or w.text[-1:] in CLAUSE_END)) or seconds >= MAX_SEGMENT):
            chunk = words[start:nxt]
            out.append(Segment(len(out), chunk[0].start, max(chunk[-1].end, chunk[0].start), " ".join(x.text for x in chunk),
                               language=language, words=chunk))
            start = nxt
    return out
