"""Glossary enforcement around any MT engine (it only needs ``translate(texts, source, target)``).

For the segments where glossary terms occur, three passes, each batched and each verified:

1. inline: every matched source term is replaced by its required translation (or kept, for
   do-not-translate names) and the sentence is translated; MT models copy foreign words
   they are given, and the target term keeps its gender and articles right.
2. placeholder: for segments where pass 1 lost or changed a term, each term is masked with
   a placeholder token (``ZX0``, ``ZX1``, ...) the model copies, then the placeholder is
   replaced by the required translation.
3. safe repair: for what still fails (the model dropped, mangled or duplicated a
   placeholder), the text between the terms is translated piece by piece and the required
   translations are put between the pieces, so the term is always there.

A pass is accepted only when every term's required translation occurs in the output at least
as many times as the term occurs in the source. The final text has each term in the
glossary's spelling, capitalized at the start of a sentence. A segment with no term goes
through the engine untouched, so an empty glossary changes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..glossary import Glossary, Term
from ..store.record import Record
from ..schema import TermUse

_SENTENCE_START = re.compile(r"(?:^|[.!?…]\s+)[\"'“‘«¿¡(]*$")


@dataclass
class Constrained:
    text: str
    terms: list[TermUse] = field(default_factory=list)
    method: str = "plain"  # plain | inline | placeholder | repair | shorter | tightened | compacted
    condensed: list[str] = field(default_factory=list)  # what went to fit a short slot (shorter.py): source words, or the translation's "phrase -> shorter" and dropped pronouns


@dataclass
class _Plan:
    text: str
    matches: list[tuple[int, int, Term]]
    target: str

    def required(self) -> dict[str, tuple[Term, int]]:
        """Term key -> (term, occurrences in the source)."""
        out: dict[str, tuple[Term, int]] = {}
        for _, _, term in self.matches:
            key = term.source.casefold()
            out[key] = (term, out.get(key, (term, 0))[1] + 1)
        return out

    def form(self, term: Term, start: int) -> str:
        """The required translation, capitalized when the source term starts its sentence."""
        form = term.target(self.target) or term.source
        source_word = self.text[start:]
        if not term.keep and source_word[:1].isupper() and _SENTENCE_START.search(self.text[:start]):
            return form[:1].upper() + form[1:]
        return form

    def substituted(self, token=None) -> str:
        """The source with each term replaced by token(i) or by its required translation."""
        parts, last = [], 0
        for i, (start, end, term) in enumerate(self.matches):
            parts += [self.text[last:start], token(i) if token else self.form(term, start)]
            last = end
        parts.append(self.text[last:])
        return "".join(parts)

    def pieces(self) -> list[str]:
        """The source text between the terms."""
        bounds = [0, *[x for s, e, _ in self.matches for x in (s, e)], len(self.text)]
        return [self.text[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2)]


def _term_regex(form: str) -> re.Pattern:
    words = form.split()
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)


def _honored(output: str, plan: _Plan) -> dict[str, bool]:
    """Term key -> its translation occurs as often as the term: longest translations are counted
    first and blanked out, so 'biblioteca' is not found again inside 'biblioteca de cursos'."""
    result: dict[str, bool] = {}
    required = sorted(plan.required().items(), key=lambda kv: -len(kv[1][0].target(plan.target) or kv[1][0].source))
    for key, (term, count) in required:
        regex = _term_regex(term.target(plan.target) or term.source)
        result[key] = len(regex.findall(output)) >= count
        output = regex.sub(lambda m: " " * len(m.group()), output)
    return result


def _canonical(output: str, plan: _Plan) -> str:
    """Every required translation in the glossary's spelling; capitalized at a sentence start."""
    for term, _ in plan.required().values():
        form = term.target(plan.target) or term.source

        def fix(m: re.Match, form=form, keep=term.keep) -> str:
            if not keep and _SENTENCE_START.search(output[: m.start()]):
                return form[:1].upper() + form[1:]
            return form

        output = _term_regex(form).sub(fix, output)
    return output


def _join(parts: list[str]) -> str:
    text = " ".join(p.strip() for p in parts if p.strip())
    text = re.sub(r"\s+([,.;:!?…)\]»”])", r"\1", text)
    return re.sub(r"([(\[«“¿¡])\s+", r"\1", text)


_PLACEHOLDER = "ZX{}"


def _restore_placeholders(output: str, plan: _Plan) -> str | None:
    """Replace each placeholder by its term's translation; None if one is missing or repeated."""
    for i, (start, _, term) in enumerate(plan.matches):
        found = list(re.finditer(rf"(?<![\w]){_PLACEHOLDER.format(i)}(?!\d)", output, re.IGNORECASE))
        if len(found) != 1:
            return None
        m = found[0]
        form = term.target(plan.target) or term.source
        if not term.keep and _SENTENCE_START.search(output[: m.start()]):
            form = form[:1].upper() + form[1:]
        output = output[: m.start()] + form + output[m.end() :]
    return output


def translate(engine, texts: list[str], source: str, target: str, glossary: Glossary | None) -> list[Constrained]:
    """Translate with `engine`, enforcing `glossary` (None or empty: the engine's output as is)."""
    plans = [_Plan(t, glossary.find(t, source, target) if glossary else [], target) for t in texts]
    results: list[Constrained | None] = [None] * len(texts)
    plain = [i for i, p in enumerate(plans) if not p.matches]
    todo = [i for i, p in enumerate(plans) if p.matches]
    # pass 1 (inline) shares one engine call with the segments that have no term
    outputs = engine.translate([texts[i] for i in plain] + [plans[i].substituted() for i in todo], source, target) if texts else []
    for i, out in zip(plain, outputs):
        results[i] = Constrained(out)
    failed = []
    for i, out in zip(todo, outputs[len(plain) :]):
        if all(_honored(out, plans[i]).values()):
            results[i] = Constrained(_canonical(out, plans[i]), method="inline")
        else:
            failed.append(i)
    # pass 2: placeholders
    if failed:
        outs = engine.translate([plans[i].substituted(_PLACEHOLDER.format) for i in failed], source, target)
        still = []
        for i, out in zip(failed, outs):
            restored = _restore_placeholders(out, plans[i])
            if restored is not None and all(_honored(restored, plans[i]).values()):
                results[i] = Constrained(_canonical(restored, plans[i]), method="placeholder")
            else:
                still.append(i)
        failed = still
    # pass 3: safe repair, the text between the terms translated on its own
    if failed:
        jobs = [(i, k, piece) for i in failed for k, piece in enumerate(plans[i].pieces()) if re.search(r"\w", piece)]
        outs = engine.translate([p.strip() for _, _, p in jobs], source, target) if jobs else []
        translated = {(i, k): out for (i, k, _), out in zip(jobs, outs)}
        for i in failed:
            plan = plans[i]
            parts: list[str] = []
            for k, piece in enumerate(plan.pieces()):
                parts.append(translated.get((i, k), piece))
                if k < len(plan.matches):
                    start, _, term = plan.matches[k]
                    parts.append(plan.form(term, start))
            results[i] = Constrained(_canonical(_join(parts), plan), method="repair")
    for i, res in enumerate(results):
        assert res is not None
        honored = _honored(res.text, plans[i])
        res.terms = [TermUse(t.source, t.target(target) or t.source, honored[k]) for k, (t, _) in plans[i].required().items()]
    return results  # type: ignore[return-value]


@dataclass
class GlossaryAdherence(Record):
    """report.json ``glossary`` for one language: the terms applied, how many came out in the
    glossary's translation, and the missed ones (term -> times)."""

    applied: int = 0
    honored: int = 0
    missed: dict[str, int] = field(default_factory=dict)


def summarize(uses: list[list[TermUse]]) -> GlossaryAdherence:
    """Per-language totals for report.json from the segments' ``glossary`` lists."""
    applied = honored = 0
    missed: dict[str, int] = {}
    for seg in uses:
        for use in seg or []:
            applied += 1
            if use.honored:
                honored += 1
            else:
                missed[use.term] = missed.get(use.term, 0) + 1
    return GlossaryAdherence(applied, honored, missed)
