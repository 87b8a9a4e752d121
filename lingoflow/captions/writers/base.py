"""What every writer writes from, and the base of the caption writers."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...store.atomic import write_text
from ...schema import Transcript


@dataclass
class Document:
    """One language's transcript as the writers see it: its cues are made once, on first use.

    ``suffix`` is "" for the source transcript and ".<lang>" for a translation (the transcript
    files' names); ``source_language`` is the source's language when this is a translation
    (the bilingual writer needs it; without it a document is the source itself)."""

    transcript: Transcript
    suffix: str = ""
    source: Transcript | None = None  # for a translation, the transcript it translates
    max_cps: float | None = None  # --max-cps: one reading speed for every language
    profile: str = "adult"  # --reading-profile (writers/reading_norms.py)
    verbatim: bool = False  # --verbatim: captions show every word said; otherwise clean verbatim (mt/condense.py)
    terms: tuple[str, ...] = ()  # glossary source terms, never condensed away
    _cues: list | None = field(default=None, repr=False)
    _removed: dict | None = field(default=None, repr=False)

    @property
    def language(self) -> str:
        return self.transcript.language

    @property
    def source_language(self) -> str | None:
        return self.source.language if self.source is not None else None

    @property
    def cues(self) -> list:
        """Made to the language's norms; a translation's cues follow its source's speech."""
        if self._cues is None:
            from ..cues import make_cues, norms_for

            shown, source = self.condensed()
            self._cues = make_cues(shown, norms_for(self.language, self.max_cps, self.profile), source)
        return self._cues

    def condensed(self) -> tuple[Transcript, Transcript | None]:
        """(the text the cues show, the source it follows): clean verbatim unless ``verbatim``. A
        translation was made from the condensed source already: its source is condensed the same
        way so its words are timed along the speech that was kept."""
        if self.verbatim:
            self._removed = {}
            return self.transcript, self.source
        from ...mt.condense import condense

        if self.source is not None and self.is_translation:
            done = condense(self.source, self.terms)
            self._removed = done.removed
            return self.transcript, done.transcript
        done = condense(self.transcript, self.terms)
        self._removed = done.removed
        return done.transcript, self.source

    @property
    def removed(self) -> dict[int, list[str]]:
        """Segment id -> the source words clean verbatim left out of these captions."""
        if self._removed is None:
            self.condensed()
        return self._removed or {}

    @property
    def is_translation(self) -> bool:
        return bool(self.source_language) and self.source_language != self.language and any(
            s.source_text is not None for s in self.transcript.segments)


class Writer:
    """A format: its name (as ``--formats`` spells it), its file suffix, the files it writes for a
    document (none where the format does not apply), and how one file is written."""

    name: str = ""
    suffix: str = ""

    def paths(self, doc: Document, folder: Path) -> list[Path]:
        raise NotImplementedError

    def write(self, doc: Document, path: Path) -> Path:
        raise NotImplementedError


class CaptionWriter(Writer):
    """captions.<lang><suffix>: one text file rendered from the document's cues."""

    def paths(self, doc: Document, folder: Path) -> list[Path]:
        return [Path(folder) / f"captions.{doc.language}{self.suffix}"]

    def render(self, cues: list, doc: Document) -> str:
        raise NotImplementedError

    def write(self, doc: Document, path: Path) -> Path:
        return write_text(path, self.render(doc.cues, doc))
