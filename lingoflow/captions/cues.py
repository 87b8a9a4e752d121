"""Captions: re-segment a transcript into cues that keep subtitle norms, write SRT and WebVTT.

Norms: at most 42 characters a line, 2 lines a cue, a reading speed by language (READING_CPS:
20 characters a second for English, 17 for Portuguese and most others), cues 5/6 s to 7 s long,
two frames apart at least. Cues are cut within a transcript segment (so a cue has one speaker)
at word boundaries into balanced cues (preferring sentence and clause ends and pauses);
a translation's words are timed along its source's speech (the source's word timings), so its
cues are cut where the speaker pauses and show while their meaning is heard. Cues are then laid
out for reading speed: up to 0.25 s before their speech (lead-in), into the silence after it,
and where speech runs on, up to 0.75 s late, each one taking no more than the cues after it
leave it; a cue still short of time starts up to 0.5 s before its speech where the cue before it
has time to spare, and short cues of one speaker in running speech are merged where one would
read too fast (captions/merge.py). Only then does a cue read faster than the norm.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass


from ..schema import Segment, Transcript
from .writers.reading_norms import DEFAULT as DEFAULT_NORM, NORMS, reading_norm


# Reading speed by language: the table in writers/reading_norms.py (Netflix's Timed Text Style
# Guides), kept here as a view for older callers.
READING_CPS = {lang: float(n.cps) for lang, n in NORMS.items()}
DEFAULT_CPS = float(DEFAULT_NORM.cps)
COMFORT_CPS = 17.0  # where nobody else needs the time, a cue stays up long enough for this speed
HARD_MAX_CPS = 22.0  # beyond this no one reads a cue: the next cue is shown later instead
HARD_MAX_RATIO = 1.3  # ... and never more than this over the language's own norm (ja 4 cps: 5.2)


@dataclass(frozen=True)
class CaptionNorms:
    max_line_chars: int = 42
    max_lines: int = 2
    max_cps: float = DEFAULT_CPS
    min_duration: float = 5 / 6
    max_duration: float = 7.0
    max_delay: float = 0.75  # how late a cue may appear after its speech starts, for reading speed
    lead_in: float = 0.25  # how early a cue may appear before its speech starts
    # ... and how early into a silence before it, where no one is speaking: the BBC Subtitle
    # Guidelines (5.2, "Match subtitle to pace of speaking") let a subtitle anticipate speech by
    # up to 1.5 s; it is used only for reading speed
    quiet_lead: float = 1.5
    # ... and, where the cue before it has time to spare, up to this far before its speech while
    # that cue's words are still heard: the boundary between two chained cues moves earlier rather
    # than one of them reading faster than the norm (the earlier cue keeps its own reading time)
    borrow_lead: float = 0.5
    min_gap: float = 2 / 24  # two frames (24 fps) between cues
    linger: float = 0.5  # a cue may stay this long after its speech when no cue follows
    chain_below: float = 0.5  # cues closer than this are chained: the first ends min_gap before the next

    @property
    def hard_max_cps(self) -> float:
        return min(HARD_MAX_CPS, self.max_cps * HARD_MAX_RATIO)


def norms_for(language: str, max_cps: float | None = None, profile: str = "adult") -> CaptionNorms:
    """The norms for a language and reading profile (writers/reading_norms.py); ``max_cps``
    (--max-cps) overrides the reading speed."""
    norm = reading_norm(language, profile)
    return CaptionNorms(max_line_chars=norm.line_chars, max_lines=norm.lines, max_cps=float(max_cps) if max_cps else float(norm.cps),
                        min_duration=norm.min_duration, max_duration=norm.max_duration)


@dataclass
class Cue:
    start: float
    end: float
    lines: list[str]
    speaker: str | None = None
    segment: int | None = None  # the transcript segment the cue comes from
    # where short cues of several segments were merged (captions/merge.py): each segment's id and
    # how many of the cue's words are its, in order; empty for a cue of one segment
    pieces: tuple[tuple[int | None, int], ...] = ()

    def owners(self) -> tuple[tuple[int | None, int], ...]:
        """(segment id, number of words) of each segment whose words the cue shows, in order."""
        return self.pieces or ((self.segment, len(self.text.split())),)

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


def _tokens(segment: Segment, source: Segment | None = None) -> list[_Token]:
    """Word timings from ASR; for text without them (translations) spread by character count,
    along the source segment's speech when its word timings are known."""
    if segment.words and " ".join(w.text for w in segment.words).strip():
        toks = [_Token(w.start, w.end, display_text(w.text)) for w in segment.words]
        return [t for t in toks if t.text] or _tokens_of_text(segment, display_text(segment.text))
    return _tokens_of_text(segment, display_text(segment.text), _speech_clock(segment, source))


def _speech_clock(segment: Segment, source: Segment | None):
    """(share, share) of the text's characters -> (start, end) time, following where the source's
    words are spoken (a translation's words are assumed to run along the source's in proportion),
    or None."""
    if source is None or not source.words:
        return None
    words = [w for w in source.words if w.text.strip() and w.end >= w.start]
    lo, hi = segment.start, max(segment.end, segment.start)
    if not words or any(w.start < lo - 1.0 or w.end > hi + 1.0 for w in words):
        return None  # not this segment's words
    total = sum(len(w.text.strip()) + 1 for w in words)
    xs, ts, pos = [0.0], [lo], 0
    pauses: list[tuple[float, float, float]] = []  # (share, silence start, silence end) between source words
    for w in words:
        start, end = min(max(w.start, ts[-1]), hi), min(max(w.end, w.start, ts[-1]), hi)
        if pos and start - ts[-1] >= PAUSE:
            pauses.append((pos / total, ts[-1], start))
        xs.append(pos / total)
        ts.append(start)
        pos += len(w.text.strip()) + 1
        xs.append(pos / total)
        ts.append(end)
    xs.append(1.0 + 1e-9)
    ts.append(hi)

    def at(share: float) -> float:
        for k in range(1, len(xs)):
            if share <= xs[k]:
                span = xs[k] - xs[k - 1]
                return ts[k - 1] + (ts[k] - ts[k - 1]) * ((share - xs[k - 1]) / span if span > 0 else 1.0)
        return hi

    def span(a: float, b: float) -> tuple[float, float]:
        """A word from share a to b; one the proportion puts across a pause goes to the side
        holding most of it (a word is not said across a silence)."""
        for x, quiet, loud in pauses:
            if a < x < b:
                return (loud, max(at(b), loud)) if x - a < b - x else (at(a), quiet)
        return at(a), at(b)

    return span


def _tokens_of_text(segment: Segment, text: str, clock=None) -> list[_Token]:
    words = text.split()
    total = sum(len(w) + 1 for w in words) or 1
    span = max(segment.end - segment.start, 0.0)
    clock = clock or (lambda a, b: (segment.start + span * a, segment.start + span * b))
    tokens, pos = [], 0
    for w in words:
        # the word's own characters, not the space after it: a pause falls between words
        tokens.append(_Token(*clock(pos / total, (pos + len(w)) / total), w))
        pos += len(w) + 1
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


def make_cues(transcript: Transcript, norms: CaptionNorms | None = None, source: Transcript | None = None) -> list[Cue]:
    """The transcript's cues; ``norms``: by default its language's (norms_for); ``source``: for a
    translation, the transcript it translates (its word timings time the translation's words)."""
    norms = norms or norms_for(transcript.language)
    by_id = {s.id: s for s in source.segments} if source is not None else {}
    cues: list[Cue] = []
    for segment in transcript.segments:
        origin = by_id.get(segment.id)
        if origin is not None and segment.source_text is not None and " ".join(origin.text.split()) != " ".join(segment.source_text.split()):
            origin = None  # not the text this segment translates
        for chunk in _chunks(_tokens(segment, origin), norms):
            text = " ".join(t.text for t in chunk)
            lines = wrap(text, norms.max_line_chars, norms.max_lines) or _hard_wrap(text, norms)
            cues.append(Cue(chunk[0].start, max(chunk[-1].end, chunk[0].start + 0.1), lines, segment.speaker, segment.id))
    cues.sort(key=lambda c: c.start)
    return _fit_durations(cues, norms, transcript.source.duration)


def _hard_wrap(text: str, norms: CaptionNorms) -> list[str]:
    """Fallback for a single token longer than a cue (a URL): cut it into full lines."""
    n = norms.max_line_chars
    return [text[i : i + n] for i in range(0, len(text), n)]


def _fit_durations(cues: list[Cue], norms: CaptionNorms, media_end: float) -> list[Cue]:
    """Lay the cues out in time for reading speed (see _layout), merging short cues where one
    would read too fast (captions/merge.py); cues come in with their speech spans and leave with
    their display times, in order, at least min_gap apart."""
    if not cues:
        return cues
    from .merge import merge_fast_cues

    speech = [(round(c.start, 3), round(max(c.end, c.start), 3)) for c in cues]
    cues, speech, spans = merge_fast_cues(cues, speech, norms, media_end, _layout, wrap)
    for cue, (start, end) in zip(cues, spans):
        cue.start, cue.end = start, end
    return cues


def _ms_up(t: float) -> float:
    return math.ceil(t * 1000 - 1e-6) / 1000


def _ms_down(t: float) -> float:
    return math.floor(t * 1000 + 1e-6) / 1000


def _layout(chars: list[int], speech: list[tuple[float, float]], norms: CaptionNorms, media_end: float) -> list[tuple[float, float]]:
    """Display times for cues of `chars` characters over their `speech` spans.

    A cue starts at its speech, or up to lead_in earlier when it needs the time, and never before
    the previous cue ends (plus min_gap). It needs chars / max_cps seconds; it stays up as long as
    its speech, min_duration and COMFORT_CPS ask, and may run into the next cue's speech (showing
    that one up to max_delay late) only as far as reading needs and the cues after it can spare: `latest` (from the end backwards) is the latest
    each cue may start so that every later one still gets its reading time. When even that is
    too little, a cue gets at least HARD_MAX_CPS and the ones after it are shown later.
    """
    n = len(chars)
    gap = _ms_up(norms.min_gap)  # in whole milliseconds, as the files store times
    end_limit = _ms_down(max(media_end, speech[-1][0] + 0.1) if media_end > 0 else speech[-1][1] + norms.max_duration)
    need = [_ms_up(c / norms.max_cps) for c in chars]
    lead = _leads(speech, norms)
    if speech[-1][0] + need[-1] > end_limit:  # the media ends: nothing later to borrow from
        lead[-1] = max(lead[-1], norms.max_delay)
    upper = _squeeze(chars, need, speech, lead, norms, gap, end_limit)
    latest = [0.0] * n
    bound = end_limit
    for j in range(n - 1, -1, -1):
        latest[j] = _ms_down(min(upper[j], bound - need[j]))
        bound = latest[j] - gap
    spans: list[tuple[float, float]] = []
    prev_end = -math.inf
    for j in range(n):
        s_j, e_j = speech[j]
        lo = _ms_up(max(s_j - lead[j], prev_end + gap, 0.0))
        start = lo if latest[j] < lo else max(lo, min(_ms_up(s_j), latest[j]))
        nxt = speech[j + 1][0] if j + 1 < n else end_limit + gap
        cap = min(start + norms.max_duration, (latest[j + 1] if j + 1 < n else end_limit + gap) - gap, end_limit)
        comfort_end = start + max(need[j], chars[j] / COMFORT_CPS, norms.min_duration)
        # up to `linger` after its speech where nothing is said next (the next speech bounds it below)
        nice_end = max(comfort_end, min(e_j + norms.linger, nxt - gap, start + norms.max_duration), min(e_j, start + norms.max_duration))
        # into the next cue's speech only as far as reading needs (its speech end does not count)
        end = nice_end if nice_end <= nxt - gap else max(nxt - gap, comfort_end)
        end = min(end, cap)
        # never faster than this, even when later cues must wait (only the media's end may leave less)
        floor = start + min(_ms_up(chars[j] / norms.hard_max_cps), need[j])
        end = max(end, min(floor, end_limit), start + 0.04)
        spans.append((start, _ms_up(end)))
        prev_end = spans[-1][1]
    return _chain(_settle(spans, need, norms, end_limit), norms)


def _chain(spans: list[tuple[float, float]], norms: CaptionNorms) -> list[tuple[float, float]]:
    """Cues less than chain_below apart are chained: the first stays up until min_gap before the
    next (a flicker of blank screen between them only tires the eye), never past max_duration."""
    out = list(spans)
    gap = _ms_up(norms.min_gap)
    for j in range(len(out) - 1):
        start, end = out[j]
        nxt = out[j + 1][0]
        if gap < nxt - end < norms.chain_below:
            out[j] = (start, max(end, min(_ms_down(nxt - gap), _ms_down(start + norms.max_duration))))
    return out


def _leads(speech: list[tuple[float, float]], norms: CaptionNorms) -> list[float]:
    """How early each cue may appear: lead_in before its speech, or, after a silence (no earlier
    cue's speech still running), up to quiet_lead into that silence, never before the media."""
    leads, heard = [], 0.0  # heard: where the speech of the cues so far ends
    for start, end in speech:
        silence = max(start - heard, 0.0)
        leads.append(max(norms.lead_in, min(norms.quiet_lead, silence)))
        heard = max(heard, end)
    return leads


def _squeeze(chars, need, speech, lead, norms: CaptionNorms, gap: float, end_limit: float) -> list[float]:
    """Where continuous speech leaves too little time for every cue at the norm's reading speed,
    the fewest cues read faster (up to norms.hard_max_cps), so the others keep the norm: at each cue
    that would start too late, its chain first starts earlier, up to borrow_lead before its speech
    where the cue before has time beyond its own reading time (`lead` is grown in place); then the
    longest cue before it in its chain (it gives back the most time) is let go to the limit; then
    each of those gets back as much of its time as the others leave it, the shortest first. Where
    the media ends before even the limit fits, the last chain's cues share the time left at one
    speed. `need` is shortened in place; returns each cue's latest start: max_delay after its
    speech, or later where even every cue at the limit does not fit."""
    n = len(chars)
    upper = [speech[j][0] + norms.max_delay for j in range(n)]
    floor = [_ms_up(c / norms.hard_max_cps) for c in chars]
    at_norm = list(need)
    fits = lambda: _first_late(need, speech, lead, upper, gap, end_limit) is None  # noqa: E731
    squeezed: list[int] = []
    for _ in range(3 * n + 2):
        late = _first_late(need, speech, lead, upper, gap, end_limit)
        if late is None:
            break
        j, deficit, chain = late
        if chain > 0 and lead[chain] < norms.borrow_lead - 1e-9:
            # first the chain starts earlier, into the time the cue before it can spare: that one
            # still shows from its own speech on for its reading time
            room = speech[chain][0] - (speech[chain - 1][0] + at_norm[chain - 1] + gap)
            grown = min(norms.borrow_lead, lead[chain] + deficit, room)
            if grown > lead[chain] + 1e-9:
                lead[chain] = grown
                continue
        spare = [k for k in range(chain, min(j, n)) if need[k] > floor[k] + 1e-9]
        if not spare:  # every cue before it is at the limit already: this one is shown later
            if j >= n:  # ... but the media ends: the last chain's cues share what time there is
                total = sum(need[chain:n]) or 1.0
                for k in range(chain, n):
                    need[k] = _ms_down(need[k] * max(total - deficit, 0.0) / total)
                break
            upper[j] += deficit
            continue
        k = max(spare, key=lambda i: need[i] - floor[i])
        need[k] = floor[k]
        squeezed.append(k)
    for k in sorted(squeezed, key=lambda i: at_norm[i] - floor[i]):
        lo, hi = need[k], at_norm[k]
        need[k] = hi
        if fits():
            continue
        for _ in range(12):  # the most time it can have back, to the millisecond
            mid = _ms_down((lo + hi) / 2)
            need[k] = mid
            lo, hi = (mid, hi) if fits() else (lo, mid)
            if hi - lo <= 0.001:
                break
        need[k] = lo
    return upper


def _first_late(need, speech, lead, upper, gap: float, end_limit: float):
    """The first cue that, every cue shown as early as allowed, would still start after `upper`
    (or the media's end passed: index n): (index, seconds late, first cue of its chain), or None."""
    prev_end, chain = -math.inf, 0
    for j, (s_j, _) in enumerate(speech):
        own = max(s_j - lead[j], 0.0)
        lo = _ms_up(max(own, prev_end + gap))
        if lo <= own + 1e-9:
            chain = j  # not pushed by the previous cue: a new chain starts here
        if lo > upper[j] + 1e-6:
            return j, lo - upper[j], chain
        prev_end = lo + need[j]
    if prev_end > end_limit + 1e-6:
        return len(speech), prev_end - end_limit, chain
    return None


def _settle(spans: list[tuple[float, float]], need: list[float], norms: CaptionNorms, end_limit: float) -> list[tuple[float, float]]:
    """A cue left shorter than it needs grows into the room its successor left before it
    (up to min_gap before the next cue), so it is either long enough or squeezed against the next."""
    out = list(spans)
    for j, (start, end) in enumerate(out):
        room = (out[j + 1][0] - norms.min_gap) if j + 1 < len(out) else end_limit
        want = start + max(need[j], norms.min_duration)
        if end < want and room > end:
            out[j] = (start, _ms_up(min(want, room)) if want <= room else _ms_down(room))
    return out
