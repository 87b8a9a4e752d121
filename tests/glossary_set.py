"""The hand-written glossary test set (tests/data/glossary-en-pt.*) and an adherence measure
that does not use lingoflow's own matching (shared by the tests and bench/mt_glossary.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
GLOSSARY = DATA / "glossary-en-pt.yaml"
TSV = DATA / "glossary-en-pt.tsv"


@dataclass
class Example:
    source: str
    reference: str
    required: list[str]  # target-language terms the translation must contain


def examples() -> list[Example]:
    out = []
    for line in TSV.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        source, reference, required = line.split("\t")
        out.append(Example(source, reference, [t for t in required.split("|") if t]))
    return out


def contains(text: str, term: str) -> bool:
    """Case-insensitive whole-word occurrence of `term` in `text`."""
    return re.search(r"(?<!\w)" + r"\s+".join(map(re.escape, term.split())) + r"(?!\w)", text, re.IGNORECASE) is not None


def adherence(outputs: list[str], exs: list[Example]) -> tuple[int, int]:
    """(required terms present, required terms in all)."""
    total = sum(len(e.required) for e in exs)
    hit = sum(contains(out, term) for out, e in zip(outputs, exs) for term in e.required)
    return hit, total
