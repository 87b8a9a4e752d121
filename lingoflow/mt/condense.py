"""Clean verbatim: what captions show, translation reads and the dub speaks, condensed as a subtitler would.

The transcript itself stays verbatim. From a copy of it, per segment: hesitation fillers, stutters
("wh- what"), repeated words and restarted phrases ("I think, I think that"), false starts (a phrase
broken off at a comma and said again a few words later) and discourse markers set off as asides
("you know", "I mean") are dropped, by the rules of the segment's language
(mt/clean_verbatim_rules.py). Never dropped: numbers, glossary terms, names (capitalized words
inside a sentence) and negations (except as one of two identical copies, the other kept).
Every removal is returned, per segment id, so the captions and the dub can list what went.
A segment with nothing removed is returned unchanged (the same object), so ``--verbatim`` and a
clean recording give the same text word for word.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable

from ..schema import Segment, Transcript
from .clean_verbatim_rules import RULES, UNIVERSAL_FILLERS

SENTENCE_END = ".?!\u2026"
_EDGE = re.compile(r"^[^\w']+|[^\w']+$")
_OPENING = "\"'«¿¡(“"  # punctuation before a word's first letter
RESTART_WINDOW = 12  # a phrase broken off is taken as a false start when said again within this many words


@dataclass
class Condensed:
    transcript: Transcript
    removed: dict[int, list[str]] = field(default_factory=dict)  # segment id -> the words dropped, in order

    @property
    def words_removed(self) -> int:
        return sum(len(v) for v in self.removed.values())


def _norm(token: str) -> str:
    return _EDGE.sub("", token.casefold())


@dataclass
class _Rules:
    fillers: set[str]
    markers: list[list[str]]
    hedges: list[list[str]]
    hedge_keep_after: set[str]
    doubles: set[str]
    negations: set[str]
    numbers: set[str]
    clause_markers: list[list[str]] = field(default_factory=list)
    clause_openers: set[str] = field(default_factory=set)
    clause_keep_after: set[str] = field(default_factory=set)
    optional: set[str] = field(default_factory=set)
    optional_openers: set[str] = field(default_factory=set)
    optional_keep_before: set[str] = field(default_factory=set)
    pro_drop: set[str] = field(default_factory=set)
    pro_drop_after: set[str] = field(default_factory=set)
    shorter: list[tuple[list[str], str]] = field(default_factory=list)  # (phrase's words, shorter wording), longest first
    conjunctions: set[str] = field(default_factory=set)


def rules_for(language: str | None) -> _Rules:
    base = (language or "").split("-")[0].lower()
    r = RULES.get(base, {})
    phrases = lambda key: sorted((p.casefold().split() for p in r.get(key, [])), key=len, reverse=True)  # noqa: E731
    return _Rules(set(r.get("fillers", UNIVERSAL_FILLERS)), phrases("markers"), phrases("hedges"),
                  set(r.get("hedge_keep_after", [])), set(r.get("doubles", [])), {n.casefold() for n in r.get("negations", [])},
                  {n.casefold() for n in r.get("numbers", [])}, phrases("clause_markers"), set(r.get("clause_openers", [])),
                  set(r.get("clause_marker_keep_after", [])), set(r.get("optional", [])), set(r.get("optional_openers", [])),
                  set(r.get("optional_keep_before", [])), set(r.get("pro_drop", [])), set(r.get("pro_drop_after", [])),
                  sorted(((k.casefold().split(), v) for k, v in r.get("shorter", {}).items()), key=lambda kv: len(kv[0]), reverse=True),
                  set(r.get("conjunctions", [])))


def condense(transcript: Transcript, terms: Iterable[str] = ()) -> Condensed:
    """The transcript with each segment's text (and word timings) condensed; ``terms``: glossary
    source terms, never touched."""
    term_words = [t.casefold().split() for t in terms if t.strip()]
    segments, removed = [], {}
    for seg in transcript.segments:
        new, gone = condense_segment(seg, rules_for(seg.language or transcript.language), term_words)
        segments.append(new)
        if gone:
            removed[seg.id] = gone
    if not removed:
        return Condensed(transcript)
    return Condensed(replace(transcript, segments=segments), removed)


def condense_segment(seg: Segment, rules: _Rules, term_words: list[list[str]] = ()) -> tuple[Segment, list[str]]:
    from_words = bool(seg.words) and " ".join("".join(w.text for w in seg.words).split()) == " ".join(seg.text.split())
    pieces = [w.text for w in seg.words] if from_words else re.findall(r"\s*\S+", seg.text)
    tokens = [p.strip() for p in pieces]
    if not tokens:
        return seg, []
    drop = plan_removals(tokens, rules, term_words)
    if not any(drop):
        return seg, []
    fixed = _punctuate(tokens, drop)
    kept = [i for i, d in enumerate(drop) if not d]
    texts = _kept_texts(pieces, fixed, kept)
    if kept:
        texts[0] = texts[0].lstrip()
    text = _spaced(texts) if not from_words else "".join(texts)
    words = [replace(seg.words[i], text=t) for i, t in zip(kept, texts)] if from_words else []
    if from_words and words:
        words[0] = replace(words[0], text=" " + words[0].text.lstrip())
    return replace(seg, text=text.strip(), words=words), [tokens[i] for i, d in enumerate(drop) if d]


def plan_removals(tokens: list[str], rules: _Rules, term_words: list[list[str]] = ()) -> list[bool]:
    """Which tokens go (True). Rules run in order: fillers, stutters, repeats and restarts, markers, hedges."""
    norms = [_norm(t) for t in tokens]
    fixed = [p or n in rules.numbers for p, n in zip(_protected(tokens, norms, term_words), norms)]  # never dropped by any rule
    guarded = [f or n in rules.negations or "n't" in n for f, n in zip(fixed, norms)]  # not dropped alone
    drop = [False] * len(tokens)
    for i, n in enumerate(norms):
        if n in rules.fillers and not guarded[i]:
            drop[i] = True
        elif tokens[i].endswith("-") and len(n) <= 4 and i + 1 < len(tokens) and norms[i + 1].startswith(n) and not guarded[i] and n:
            drop[i] = True  # "wh- what", "th- the"
    live = lambda: [i for i in range(len(tokens)) if not drop[i]]  # noqa: E731
    _repeats(tokens, norms, live(), drop, fixed, rules)
    _restarts(tokens, norms, live(), drop, fixed)
    _phrases(tokens, norms, live(), drop, guarded, rules)
    return drop


def tighten(text: str, language: str | None, terms: Iterable[str] = ()) -> tuple[str, list[str]]:
    """``text`` without the words a subtitler drops next when a line is still too long for its
    slot (the rules' ``optional`` and ``optional_openers``), and the words dropped; the text
    itself when none may go. Numbers, glossary ``terms``, names and negations are never dropped."""
    rules, pieces, tokens, norms, fixed = _line(text, language, terms)
    drop = [False] * len(tokens)
    for i, n in enumerate(norms):
        before = norms[i - 1] if i else ""
        after = norms[i + 1] if i + 1 < len(norms) else ""
        opens = i == 0 or tokens[i - 1][-1:] in SENTENCE_END  # "so" after a comma joins a cause to its effect: kept
        if fixed[i] or tokens[i].endswith("?") or before in rules.negations or "n't" in before or after in rules.optional_keep_before:
            continue
        if after in rules.numbers or any(ch.isdigit() for ch in after):
            continue  # "really 20", "so 3": said of the number
        drop[i] = n in rules.optional or (n in rules.optional_openers and opens)
    if not any(drop) or all(drop):
        return text, []
    fixed_text = _punctuate(tokens, drop)
    out = _spaced(_kept_texts(pieces, fixed_text, [i for i, d in enumerate(drop) if not d])).strip()
    return out, [tokens[i] for i, d in enumerate(drop) if d]


def compact(text: str, language: str | None, terms: Iterable[str] = ()) -> tuple[str, list[str]]:
    """A translation still too long for its slot, worded shorter as a subtitler would: a subject
    pronoun said again after a conjunction dropped where the verb carries it (``pro_drop``), and
    phrases replaced by a shorter wording of the same meaning (``shorter``). Returns the text and
    what went (a dropped pronoun, or "phrase -> replacement"); the text itself when nothing applies.
    Glossary ``terms`` (the target's required forms), numbers, names and negations are never touched."""
    rules, pieces, tokens, norms, fixed = _line(text, language, terms)
    out, gone = list(tokens), []
    drop = _pro_drops(tokens, norms, fixed, rules)
    gone += [tokens[i] for i, d in enumerate(drop) if d]
    i = 0
    while i < len(tokens):
        opens = i == 0 or tokens[i - 1][-1:] in SENTENCE_END + ";"
        hit = next(((w, short) for w, short in rules.shorter if norms[i : i + len(w)] == w and not any(fixed[i : i + len(w)] + drop[i : i + len(w)])
                    and not any(t[-1:] in ",;:" + SENTENCE_END for t in tokens[i : i + len(w) - 1])
                    and (opens or short not in rules.conjunctions)), None)  # "Ele, no entanto, saiu": not "Ele, mas, saiu"
        if hit is None:
            i += 1
            continue
        words, short = hit
        first, last = tokens[i], tokens[i + len(words) - 1]
        lead = first[: len(first) - len(first.lstrip(_OPENING))]
        tail = last[len(last.rstrip(",;:.?!\u2026\"'»)”")) :]
        tail = tail.lstrip(",") if short in rules.conjunctions else tail  # "No entanto, ele" -> "Mas ele"
        short = short[:1].upper() + short[1:] if first.lstrip(_OPENING)[:1].isupper() else short
        out[i] = lead + short + tail
        for k in range(i + 1, i + len(words)):
            drop[k] = True
        gone.append(f"{_EDGE.sub('', ' '.join(tokens[i : i + len(words)]))} -> {short}")
        i += len(words)
    if not gone:
        return text, []
    kept = [i for i, d in enumerate(drop) if not d]
    return _spaced(_kept_texts(pieces, out, kept)).strip(), gone


def _line(text: str, language: str | None, terms: Iterable[str]):
    """A line's rules, its tokens (each with the whitespace before it, and bare), their normal
    forms, and which no rule may touch (numbers, negations, names, glossary ``terms``)."""
    rules = rules_for(language)
    pieces = re.findall(r"\s*\S+", text)
    tokens = [p.strip() for p in pieces]
    norms = [_norm(t) for t in tokens]
    term_words = [t.casefold().split() for t in terms if t.strip()]
    fixed = [p or n in rules.numbers or n in rules.negations for p, n in zip(_protected(tokens, norms, term_words), norms)]
    return rules, pieces, tokens, norms, fixed


def _pro_drops(tokens: list[str], norms: list[str], fixed: list[bool], rules: _Rules) -> list[bool]:
    """Subject pronouns said again in their sentence right after a conjunction, where the sentence
    had the same pronoun as a subject before (its first word, or after a conjunction or comma)."""
    drop = [False] * len(tokens)
    subjects: set[str] = set()
    for i, n in enumerate(norms):
        before = tokens[i - 1] if i else ""
        opens = i == 0 or before[-1:] in SENTENCE_END
        if opens:
            subjects = set()
        if n in rules.pro_drop and not fixed[i] and tokens[i][-1:].isalpha():
            after_conjunction = i > 0 and norms[i - 1] in rules.pro_drop_after and before[-1:].isalpha()
            if after_conjunction and n in subjects and i + 1 < len(tokens):
                drop[i] = True
            elif opens or after_conjunction or before[-1:] in ",;:":
                subjects.add(n)
    return drop


def _kept_texts(pieces: list[str], fixed: list[str], kept: list[int]) -> list[str]:
    """The kept tokens' mended text, each with the whitespace it had before it."""
    return [pieces[i][: len(pieces[i]) - len(pieces[i].lstrip())] + fixed[i] for i in kept]


def _spaced(texts: list[str]) -> str:
    """The texts joined, a space between two that had none (a dropped token took it)."""
    return "".join(t if j == 0 or t[:1].isspace() else " " + t for j, t in enumerate(texts))


def _protected(tokens: list[str], norms: list[str], term_words: list[list[str]]) -> list[bool]:
    out = [any(ch.isdigit() for ch in t) for t in tokens]
    for i, tok in enumerate(tokens):
        starts_sentence = i == 0 or tokens[i - 1][-1:] in SENTENCE_END
        if tok[:1].isupper() and not starts_sentence and norms[i] != "i":
            out[i] = True  # a name (or a title): capitalized inside a sentence
    for words in term_words:
        n = len(words)
        for i in range(len(norms) - n + 1):
            if [_norm(w) for w in words] == norms[i : i + n]:
                for k in range(i, i + n):
                    out[k] = True
    return out


def _repeats(tokens, norms, live: list[int], drop: list[bool], fixed: list[bool], rules: _Rules) -> None:
    """'the the', 'I think, I think that': of two identical copies next to each other the first goes."""
    for n in (4, 3, 2, 1):
        k = 0
        while k + 2 * n <= len(live):
            a, b = live[k : k + n], live[k + n : k + 2 * n]
            same = [norms[i] for i in a] == [norms[i] for i in b] and all(norms[i] for i in a)
            legit = n == 1 and norms[a[0]] in rules.doubles
            if same and not legit and not any(fixed[i] or drop[i] for i in a):
                for i in a:
                    drop[i] = True
                live = [i for i in live if not drop[i]]
                continue
            k += 1


def _restarts(tokens, norms, live: list[int], drop: list[bool], fixed: list[bool]) -> None:
    """A false start: a phrase of 3+ words broken off at a comma or dash, then said again a few words
    later (two words are too often a complete phrase said twice: "on the desk, ... the desk top")."""
    for k, i in enumerate(live):
        if drop[i] or tokens[i][-1:] not in ",-\u2014\u2013":
            continue
        for n in (5, 4, 3):
            if k - n + 1 < 0:
                continue
            phrase = live[k - n + 1 : k + 1]
            if any(drop[j] or fixed[j] for j in phrase) or not all(norms[j] for j in phrase):
                continue
            want = [norms[j] for j in phrase]
            later = live[k + 1 : k + 1 + RESTART_WINDOW]
            if any([norms[j] for j in later[m : m + n]] == want for m in range(len(later) - n + 1)):
                for j in phrase:
                    drop[j] = True
                break


def _phrases(tokens, norms, live: list[int], drop: list[bool], guarded: list[bool], rules: _Rules) -> None:
    """Discourse markers set off as asides, and hedges not meaning 'type of'."""
    for pos, i in enumerate(live):
        if drop[i]:
            continue
        for phrase, is_marker in [*((p, True) for p in rules.markers), *((p, False) for p in rules.hedges)]:
            span = live[pos : pos + len(phrase)]
            if len(span) < len(phrase) or [norms[j] for j in span] != phrase or any(guarded[j] or drop[j] for j in span):
                continue
            before = live[pos - 1] if pos > 0 else None
            if is_marker:
                opens = before is None or tokens[before][-1:] in SENTENCE_END + ",;:"
                closes = tokens[span[-1]][-1:] in ",;:" + SENTENCE_END or span[-1] == live[-1]
                after = live[pos + len(phrase)] if pos + len(phrase) < len(live) else None
                new_clause = (phrase in rules.clause_markers and after is not None and norms[after] in rules.clause_openers
                              and (before is None or norms[before] not in rules.clause_keep_after))
                if not (opens and closes or new_clause) or (before is None and span[-1] == live[-1]):
                    continue  # not an aside (or the whole segment: "Well." is an answer)
            elif before is not None and norms[before] in rules.hedge_keep_after:
                continue
            elif span[-1] == live[-1]:
                continue
            for j in span:
                drop[j] = True
            break


def _opens_sentence(out: list[str], drop: list[bool], k: int) -> bool:
    """Whether token k is the first kept word of its sentence ("So, um, we": its comma stays)."""
    before = next((m for m in range(k - 1, -1, -1) if not drop[m]), None)
    return before is None or out[before][-1:] in SENTENCE_END


def _punctuate(tokens: list[str], drop: list[bool]) -> list[str]:
    """The kept tokens' text, mended where a run of dropped tokens took punctuation or a capital with it."""
    out = list(tokens)
    i = 0
    while i < len(tokens):
        if not drop[i]:
            i += 1
            continue
        j = i
        while j < len(tokens) and drop[j]:
            j += 1
        prev = next((k for k in range(i - 1, -1, -1) if not drop[k]), None)
        nxt = j if j < len(tokens) else None
        last = tokens[j - 1][-1:]
        if last in SENTENCE_END and prev is not None and out[prev][-1:] not in SENTENCE_END:
            out[prev] = out[prev].rstrip(",;:") + last  # the run ended a sentence: the word before now does
        elif prev is not None and out[prev][-1:] == "," and (nxt is None or (last == "," and not _opens_sentence(out, drop, prev))):
            out[prev] = out[prev][:-1]  # "it was, you know, hard": the aside's commas go with it
        sentence_start = prev is None or out[prev][-1:] in SENTENCE_END
        if sentence_start and nxt is not None and tokens[i][:1].isupper() and out[nxt][:1].islower():
            out[nxt] = out[nxt][:1].upper() + out[nxt][1:]
        i = j
    return out
