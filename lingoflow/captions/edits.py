"""Reviewer edits: a translated transcript edited by a person survives the next run.

Each translated segment records the engine's own text as ``machine_text``. When
``transcript.<lang>.json`` (or ``captions.<lang>.srt``) already exists in the item folder, a
segment whose text differs from the machine text recorded for it is a reviewer's edit: the
fresh machine translation does not overwrite it, the segment is marked ``edited``, and its new
text reaches the captions and the dub (only segments whose text changed are synthesized again;
unchanged ones come from the clip cache).

An edit applies while the source segment it translates is unchanged (same id and source text).
The SRT is read only when it is newer than the JSON (the reviewer edited the captions last);
its cues are traced back to their segments through the cues made again from the JSON (a cue
may start late or end in the silence after it; one that merged short cues of several segments
gives each its words back).
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from pathlib import Path

import pysubs2

from . import cues as captions
from ..errors import InputError
from ..mt.constrained import _term_regex
from ..schema import TermUse, Transcript

log = logging.getLogger(__name__)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def load_previous(path: Path) -> Transcript | None:
    """The transcript a previous run wrote (perhaps edited since), or None when there is none."""
    if not path.is_file():
        return None
    try:
        transcript = Transcript.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
        raise InputError(str(path), f"cannot read the edited transcript ({exc}); fix it or delete it to translate again") from exc
    for seg in transcript.segments:
        if not isinstance(seg.text, str):
            raise InputError(str(path), f"segment {seg.id}: \"text\" must be a string, not {type(seg.text).__name__}")
    return transcript


def srt_texts(srt: Path, previous: Transcript, source: Transcript | None = None) -> dict[int, str]:
    """Segment id -> the text of the SRT cues that come from that segment (joined with spaces).

    The cues lingoflow wrote are made again from the previous transcript, so each cue of the
    file is traced to its segment: by position when the reviewer kept the cue count (the usual
    text-only edit), else by the largest overlap in time with a regenerated cue.
    """
    try:
        subs = pysubs2.load(str(srt), encoding="utf-8", format_="srt")
    except Exception as exc:  # pysubs2 raises several kinds for malformed files
        raise InputError(str(srt), f"cannot read the edited captions ({exc}); fix them or delete them") from exc
    if source is not None and any(s.condensed for s in previous.segments):
        from ..mt.condense import condense

        source = condense(source).transcript  # the translation was timed along the condensed source
    made = captions.make_cues(previous, source=source)
    if len(made) == len(subs):
        owners = [c.owners() for c in made]
    else:
        owners = []
        for event in subs:
            start, end = event.start / 1000, event.end / 1000
            best = max(made, key=lambda c: (min(end, c.end) - max(start, c.start), -abs(c.start - start)), default=None)
            owners.append(best.owners() if best else None)
    parts: dict[int, list[str]] = {}
    for owner, event in zip(owners, subs):
        for sid, text in _shares(event.plaintext, owner or ()):
            if sid is not None:
                parts.setdefault(sid, []).append(text)
    return {sid: _norm(" ".join(texts)) for sid, texts in parts.items()}


def _shares(text: str, owners) -> list[tuple[int | None, str]]:
    """A cue's text given back to the segments it shows (one, or several where short cues were
    merged: each its number of words, in proportion when the reviewer changed the word count)."""
    if len(owners) <= 1:
        return [(sid, text) for sid, _ in owners]
    words, total = text.split(), sum(n for _, n in owners) or 1
    out, pos, seen = [], 0, 0
    for k, (sid, n) in enumerate(owners):
        seen += n
        cut = len(words) if k == len(owners) - 1 else round(len(words) * seen / total)
        out.append((sid, " ".join(words[pos:cut])))
        pos = cut
    return out


def _source_of(folder: Path) -> Transcript | None:
    """The source transcript beside a translation (its cues were timed along it), or None."""
    try:
        return load_previous(folder / "transcript.json")
    except InputError:
        return None


def _recheck(uses: list[TermUse] | None, text: str) -> list[TermUse] | None:
    """The glossary terms of a segment, each honored or not in the reviewer's text."""
    if uses is None:
        return None
    return [replace(u, honored=bool(_term_regex(u.target).search(text))) for u in uses]


def reviewed_texts(folder: Path, lang: str) -> tuple[Transcript, dict[int, str]] | None:
    """The previous translation in folder and each segment's current text there (the JSON's,
    or the SRT's where the captions were edited last); None when there is none."""
    json_path = folder / f"transcript.{lang}.json"
    previous = load_previous(json_path)
    if previous is None:
        return None
    texts = {s.id: s.text for s in previous.segments}
    srt = folder / f"captions.{lang}.srt"
    if srt.is_file() and srt.stat().st_mtime > json_path.stat().st_mtime:
        for sid, text in srt_texts(srt, previous, _source_of(folder)).items():
            # compared without spaces: a caption line may cut a long token (a URL) in two
            if sid in texts and text.replace(" ", "") != _norm(texts[sid]).replace(" ", ""):
                texts[sid] = text
    return previous, texts


def fingerprint(folder: Path, lang: str) -> str:
    """A digest of the reviewer's edits in folder for lang ("" when there are none), for stage
    cache keys: it changes when an edit is made or undone, and is stable across the runs that
    rewrite the files with the same edits."""
    found = reviewed_texts(Path(folder), lang)
    if found is None:
        return ""
    previous, texts = found
    edited = [
        [s.id, _norm(s.source_text), _norm(texts[s.id])]
        for s in previous.segments
        if s.machine_text is None or _norm(texts[s.id]) != _norm(s.machine_text)
    ]
    return hashlib.sha256(json.dumps(edited, ensure_ascii=False).encode()).hexdigest() if edited else ""


def keep_edits(machine: Transcript, folder: Path) -> Transcript:
    """The machine translation, with every reviewer-edited segment's text kept and marked."""
    found = reviewed_texts(Path(folder), machine.language)
    if found is None:
        return machine
    previous, edited_text = found
    old = {s.id: s for s in previous.segments}
    segments = []
    for seg in machine.segments:
        before = old.get(seg.id)
        if before is None or _norm(before.source_text) != _norm(seg.source_text):
            segments.append(seg)  # the source changed: the old edit no longer applies
            continue
        baseline = before.machine_text if before.machine_text is not None else seg.text
        text = edited_text[seg.id]
        if _norm(text) != _norm(baseline):
            log.info("%s: segment %d keeps the reviewer's text", folder, seg.id)
            segments.append(replace(seg, text=text.strip(), edited=True, glossary=_recheck(seg.glossary, text)))
        else:
            segments.append(seg)
    return replace(machine, segments=segments)
