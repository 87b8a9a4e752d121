"""The outputs stage of one language: its transcript files and its captions in every chosen format."""
from __future__ import annotations

from pathlib import Path

from ..captions import writers
from ..schema import Transcript
from .stage import FileWork, Stage


def write_transcript(transcript: Transcript, folder: Path, suffix: str = "") -> list[str]:
    """transcript.json/.txt for the source, transcript.<lang>.json/.txt for a translation."""
    return [str(p) for p in writers.write(transcript, folder, writers.TRANSCRIPT_FORMATS, suffix)]


def write_captions(transcript: Transcript, folder: Path, formats=writers.FORMATS, source: Transcript | None = None,
                   max_cps: float | None = None, style: dict | None = None) -> list[str]:
    """captions.<lang>.* in each chosen format (see lingoflow/writers; default SRT and WebVTT).
    ``source``: for a translation, the transcript it translates (its cues follow that speech);
    ``max_cps``: the reading speed for every language (--max-cps; default: by language);
    ``style``: reading profile, verbatim and the glossary terms kept (caption_style)."""
    return [str(p) for p in writers.write_captions(transcript, folder, formats, source=source, max_cps=max_cps, qc=True, **(style or {}))]


def write_outputs(transcript: Transcript, folder: Path, suffix: str = "", formats=writers.FORMATS, source: Transcript | None = None,
                  max_cps: float | None = None, style: dict | None = None) -> list[str]:
    """One language's files: its transcript (JSON + text), then its captions in each chosen format."""
    return write_transcript(transcript, folder, suffix) + write_captions(transcript, folder, formats, source, max_cps, style)


def caption_style(options, language: str) -> dict:
    """What of the run's options shapes the captions beyond the reading speed: --reading-profile,
    --verbatim, and (for clean verbatim) the glossary's source terms, which are never condensed away."""
    terms: list[str] = []
    if not options.verbatim and options.glossaries:
        from .terms import load_glossary

        terms = sorted({t.source for t in load_glossary(options).terms(language)})
    return {"profile": options.reading_profile, "verbatim": options.verbatim, "terms": tuple(terms)}


class OutputsStage(Stage):
    """One language's transcript and caption files (`lang` None: the source's). Named
    captions.<language> in the report and the result store. The files carry the source URI: the
    transcript is keyed whole; for a translation its source is an input too (its cues follow the
    source's word timings; the bilingual files show its text)."""

    kind = "captions"
    function = staticmethod(write_outputs)
    whole = frozenset({"transcript"})

    def _transcript(self, work: FileWork) -> Transcript:
        return work.translations[self.lang] if self.lang else work.transcript

    def name(self, work: FileWork) -> str:
        return f"captions.{self._transcript(work).language}"

    def arguments(self, work: FileWork) -> dict:
        return {"transcript": self._transcript(work), "folder": work.folder, "suffix": self._suffix(), "formats": list(work.options.formats),
                "source": self._source(work), "max_cps": work.options.max_cps, "style": self._style(work)}

    @classmethod
    def code(cls, arguments: dict) -> list:
        return [type(w) for w in writers.WRITERS.values()]

    def run(self, work: FileWork, task) -> list[str]:
        return [work.root.rel(p) for p in task(**self.arguments(work))]

    def outputs(self, work: FileWork, value: list[str]) -> list[Path]:
        return [work.root.local / rel for rel in value]

    def keep(self, work: FileWork, value: list[str], cached: bool) -> None:
        from ..captions.writers import qc

        work.report.outputs += value
        for rel in value:
            if rel.endswith(".qc.json") and (found := qc.read(work.root.local / rel)) is not None:
                work.report.captions[self._transcript(work).language] = found

    def _style(self, work: FileWork) -> dict:
        return caption_style(work.options, work.transcript.language)

    def _suffix(self) -> str:
        return f".{self.lang}" if self.lang else ""

    def _source(self, work: FileWork) -> Transcript | None:
        return work.transcript if self.lang else None
