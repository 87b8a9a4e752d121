"""Output writers behind one registry (as whisperX's get_writer): a format is one module here
and one entry in WRITERS.

The outputs stage of each language (lingoflow/pipeline/outputs.py) writes the transcript (json, txt),
then the caption formats the run chose (``--formats``; default srt and vtt). Each file is
written under a temporary name and renamed (lingoflow.store.atomic)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ...errors import ConfigError
from ...schema import Transcript
from .ass import AssWriter
from .base import Document, Writer
from .bilingual import BilingualWriter
from .subtitles import SrtWriter, VttWriter
from .transcript import JsonWriter, TxtWriter
from .ttml import TtmlWriter

WRITERS: dict[str, Writer] = {w.name: w for w in (JsonWriter(), TxtWriter(), SrtWriter(), VttWriter(), AssWriter(), TtmlWriter(), BilingualWriter())}
TRANSCRIPT_FORMATS = ("json", "txt")  # always written
CAPTION_FORMATS = ("srt", "vtt", "ass", "ttml", "bilingual")  # what --formats chooses among
FORMATS = ("srt", "vtt")  # the default
ALWAYS = ("srt",)  # the localized container, and a reviewer's caption edits, read the SRT


def get_writer(name: str) -> Writer:
    try:
        return WRITERS[name]
    except KeyError:
        raise ConfigError(f"unknown output format {name!r} (formats: {', '.join(CAPTION_FORMATS)})") from None


def parse_formats(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """`--formats srt,vtt,ass` (or a list of names, repeated or comma-separated) as the
    registry's names, in the registry's order, without repeats; ConfigError for an unknown one.
    SRT is always among them (see ALWAYS)."""
    if value is None:
        return FORMATS
    items = [value] if isinstance(value, str) else list(value)
    names = {n.strip().lower() for item in items for n in str(item).split(",") if n.strip()}
    unknown = sorted(names - set(CAPTION_FORMATS))
    if unknown:
        raise ConfigError(f"unknown output format{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
                          f"in --formats (formats: {', '.join(CAPTION_FORMATS)})")
    if not names:
        raise ConfigError(f"--formats names no format (formats: {', '.join(CAPTION_FORMATS)})")
    return tuple(n for n in CAPTION_FORMATS if n in names or n in ALWAYS)


def write_captions(transcript: Transcript, folder: str | Path, formats: Iterable[str] = FORMATS, suffix: str = "",
                   source: Transcript | None = None, max_cps: float | None = None, **style) -> list[Path]:
    """Only the caption files of the chosen formats (the cues are made once for all of them);
    ``style``: profile, verbatim, terms (see Document)."""
    return write(transcript, folder, [f for f in formats if f not in TRANSCRIPT_FORMATS], suffix, source, max_cps, **style)


def write(transcript: Transcript, folder: str | Path, names: Iterable[str], suffix: str = "", source: Transcript | None = None,
          max_cps: float | None = None, qc: bool = False, **style) -> list[Path]:
    """The files of the named formats (any registered name), in that order; the paths written.
    ``qc`` (the pipeline's captions stage): with any caption format, ``captions.<lang>.qc.json`` too
    (writers/qc.py: the cues against the norms, what clean verbatim left out)."""
    doc, folder = Document(transcript, suffix, source, max_cps, **style), Path(folder)
    written: list[Path] = []
    for name in dict.fromkeys(names):
        writer = get_writer(name)
        for path in writer.paths(doc, folder):
            writer.write(doc, path)
            written.append(path)
    if qc and any(n not in TRANSCRIPT_FORMATS for n in names):
        written.append(write_qc(doc, folder))
    return written


def write_qc(doc: Document, folder: Path) -> Path:
    """``captions.<lang>.qc.json``: each cue against the language's norms, and per segment the source
    words clean verbatim left out of these captions (and of the translation and dub made from them)."""
    from ..cues import norms_for
    from . import qc as caption_qc

    return caption_qc.write(Path(folder) / f"captions.{doc.language}.qc.json", doc, norms_for(doc.language, doc.max_cps, doc.profile))


__all__ = ["CAPTION_FORMATS", "FORMATS", "WRITERS", "Document", "Writer", "get_writer", "parse_formats", "write", "write_captions", "write_qc"]
