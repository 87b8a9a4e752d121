"""The translate stage: per target language, segment by segment, glossaries enforced, a reviewer's edits kept."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..captions import edits
from .. import mt
from ..config import LocalizeOptions
from ..errors import EngineUnavailable
from ..mt.condense import condense
from ..mt.shorter import shorten
from ..schema import TermUse, Transcript
from .stage import FileWork, Stage, module_of, with_source
from .terms import load_glossary


def translate(transcript: Transcript, target: str, options: LocalizeOptions, folder: Path | None = None) -> Transcript:
    """Segments grouped by their spoken language (code-switching), each group by its engine,
    with the glossaries enforced (each segment then records its terms and whether each was honored).

    A segment in a language no engine translates to the target is translated as if in the
    file's main language, which is what the file-level detection assumed anyway. With the
    item folder, a reviewer's edits of an earlier translation there are kept (edits.py).
    Unless --verbatim, the source is first condensed to clean verbatim (mt/condense.py): the
    translation reads what the captions show and the dub will say; each translated segment keeps
    the condensed text as ``source_text`` and lists what was left out (``condensed``).
    """
    terms = load_glossary(options) if options.glossaries else None
    removed: dict[int, list[str]] = {}
    if not options.verbatim:
        done = condense(transcript, _source_terms(terms, transcript.language))
        transcript, removed = done.transcript, done.removed
    texts = [s.text for s in transcript.segments]
    uses: list[list[TermUse]] = [[] for _ in texts]
    groups: dict[str, list[int]] = {}
    for i, seg in enumerate(transcript.segments):
        lang = seg.language or transcript.language
        if lang != target and lang != transcript.language and not _served(lang, target, options):
            lang = transcript.language
        groups.setdefault(lang, []).append(i)
    for lang, idx in groups.items():
        if lang == target:
            continue
        engine = mt.select_engine(lang, target, options.mt_engine, options.mt_model)
        group = [texts[i] for i in idx]
        found = mt.constrained.translate(engine, group, lang, target, terms)
        # where the slot is short, the shortest of the engine's n-best that keeps every term (mt/shorter.py)
        found = shorten(engine, group, found, [transcript.segments[i].end - transcript.segments[i].start for i in idx], lang, target, terms,
                        tightening=not options.verbatim)
        for i, res in zip(idx, found):
            texts[i] = res.text
            uses[i] = res.terms
            if res.condensed:  # left out of the source to fit a short slot: listed with the clean-verbatim removals
                sid = transcript.segments[i].id
                removed[sid] = removed.get(sid, []) + res.condensed
    machine = transcript.translated(target, texts, uses if terms is not None else None)
    if removed:
        machine.segments = [replace(s, condensed=removed[s.id]) if s.id in removed else s for s in machine.segments]
    return edits.keep_edits(machine, Path(folder)) if folder is not None else machine


def _source_terms(terms, language: str) -> list[str]:
    """The glossary's terms in the spoken language (condensing never touches them)."""
    return [t.source for t in terms.terms(language)] if terms else []


def glossary_summary(translation: Transcript) -> mt.constrained.GlossaryAdherence:
    """report.json's per-language glossary totals: terms applied, honored, and the missed ones."""
    return mt.constrained.summarize([s.glossary or [] for s in translation.segments])


def _served(source: str, target: str, options: LocalizeOptions) -> bool:
    try:
        mt.select_engine(source, target, options.mt_engine, options.mt_model)
    except EngineUnavailable:
        return False
    return True


def _engines(transcript: Transcript, target: str, options: LocalizeOptions) -> dict:
    """Every engine that may translate a segment (segments keep their own spoken language under
    code-switching), by source language: an engine the stage cannot use is left out."""
    engines = {}
    for lang in sorted({s.language or transcript.language for s in transcript.segments} | {transcript.language}):
        if lang == target:
            continue
        try:
            engines[lang] = mt.select_engine(lang, target, options.mt_engine, options.mt_model)
        except EngineUnavailable:
            if lang == transcript.language:
                raise  # the stage itself fails on this, with this error
    return engines


class TranslateStage(Stage):
    """Only for a target other than the spoken language (plan.file_stages)."""

    kind = "translate"
    function = staticmethod(translate)
    limit_tag = "mt"
    unkeyed = frozenset({"folder"})  # where a reviewer's edits are read from: they enter as `extra`, a renamed file keeps its translation

    def arguments(self, work: FileWork) -> dict:
        return {"transcript": work.transcript, "target": self.lang, "options": work.options, "folder": work.folder}

    @classmethod
    def code(cls, arguments: dict) -> list:
        engines = _engines(arguments["transcript"], arguments["target"], arguments["options"])
        return list(dict.fromkeys(module_of(e) for e in engines.values()))

    @classmethod
    def model(cls, arguments: dict) -> str:
        from ..store.cache import canonical

        target = arguments["target"]
        engines = _engines(arguments["transcript"], target, arguments["options"])
        return canonical({lang: f"{e.name}:{e.model_identity(lang, target)}" for lang, e in engines.items()})

    @classmethod
    def extra(cls, arguments: dict) -> dict:
        """A reviewer's edits of the previous translation in the item folder (edits.py) are an input."""
        folder = arguments["folder"]
        return {"edits": edits.fingerprint(Path(folder), arguments["target"]) if folder is not None else ""}

    def encode(self, value: Transcript) -> dict:
        return value.to_dict()

    def decode(self, data: dict, work: FileWork) -> Transcript:
        return with_source(Transcript.from_dict(data), work.ingested)

    def keep(self, work: FileWork, value: Transcript, cached: bool) -> None:
        work.translations[self.lang] = value
        if work.options.glossaries:
            work.report.glossary[self.lang] = glossary_summary(value)
