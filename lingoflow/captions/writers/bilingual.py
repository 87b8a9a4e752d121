"""Bilingual captions for language learners: captions.<src>-<lang>.srt/.vtt, each cue the
translation's cue (same times as captions.<lang>.*) with the source text it translates above it.

A translated segment spans several cues; its source text is split among them at word
boundaries in proportion to each cue's share of the translated text, so the two languages
stay in step within a segment (segments are translated whole, so nothing finer is known)."""
from __future__ import annotations

import textwrap
from dataclasses import replace
from itertools import accumulate
from pathlib import Path

from ...store.atomic import write_text
from .base import Document, Writer
from .subtitles import to_ssa

def split_words(text: str, weights: list[int]) -> list[str]:
    """`text` cut at word boundaries into len(weights) pieces of about those shares of its length."""
    words = text.split()
    if len(weights) <= 1:
        return [" ".join(words)][: len(weights)]
    ends = list(accumulate(len(w) + 1 for w in words))
    total_chars, total_weight = (ends[-1] if ends else 0), sum(weights) or 1
    pieces, start = [], 0
    for k, target in enumerate(accumulate(weights)):
        if k == len(weights) - 1:
            cut = len(words)
        else:
            goal = total_chars * target / total_weight
            cut = min(range(start, len(words) + 1), key=lambda j: abs((ends[j - 1] if j else 0) - goal))
        pieces.append(" ".join(words[start:cut]))
        start = cut
    return pieces


def bilingual_cues(doc: Document) -> list:
    from ..cues import CaptionNorms, display_text, wrap

    norms = CaptionNorms()
    by_id = {s.id: s for s in doc.transcript.segments}
    shares: dict[int | None, list[tuple[int, int]]] = {}  # segment id -> (cue index, weight) of each cue showing its words
    for i, cue in enumerate(doc.cues):
        owners = cue.owners()
        if len(owners) == 1:
            shares.setdefault(owners[0][0], []).append((i, max(cue.chars, 1)))
            continue
        words, pos = cue.text.split(), 0  # short cues merged over several segments (captions/merge.py)
        for seg_id, count in owners:
            shares.setdefault(seg_id, []).append((i, max(len(" ".join(words[pos : pos + count])), 1)))
            pos += count
    above: dict[int, list[str]] = {}
    for seg_id, items in shares.items():
        seg = by_id.get(seg_id)
        source = display_text(seg.source_text or "") if seg is not None else ""
        for (i, _), piece in zip(items, split_words(source, [w for _, w in items])):
            above.setdefault(i, []).append(piece)
    out = list(doc.cues)
    for i, pieces in above.items():
        piece = " ".join(p for p in pieces if p)
        # balanced when it fits the cue norms' two lines, else filled line by line
        lines = wrap(piece, norms.max_line_chars, norms.max_lines) or textwrap.wrap(
            piece, norms.max_line_chars, break_long_words=False, break_on_hyphens=False)
        out[i] = replace(doc.cues[i], lines=[*lines, *doc.cues[i].lines])
    return out


class BilingualWriter(Writer):
    name, suffix = "bilingual", ".srt"
    suffixes = (".srt", ".vtt")

    def paths(self, doc: Document, folder: Path) -> list[Path]:
        if not doc.is_translation:
            return []  # the source has no second language
        return [Path(folder) / f"captions.{doc.source_language}-{doc.language}{s}" for s in self.suffixes]

    def write(self, doc: Document, path: Path) -> Path:
        return write_text(path, to_ssa(bilingual_cues(doc)).to_string(Path(path).suffix[1:]))
