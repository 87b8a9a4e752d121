"""Plain dataclasses for transcripts and their JSON form (schema ``lingoflow.transcript/1``)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from .store.record import Record

TRANSCRIPT_SCHEMA = "lingoflow.transcript/1"


@dataclass
class Word:
    start: float
    end: float
    text: str
    probability: float = 1.0


@dataclass
class TermUse(Record):
    """A glossary term found in a translated segment: the translation it requires, and whether the text has it."""

    term: str  # the glossary's source term
    target: str  # the translation it requires
    honored: bool


@dataclass
class Segment:
    id: int
    start: float
    end: float
    text: str
    speaker: str | None = None
    language: str | None = None
    confidence: float | None = None
    words: list[Word] = field(default_factory=list)
    source_text: str | None = None  # set on translations only
    glossary: list[TermUse] | None = None  # translations with a glossary
    machine_text: str | None = None  # translations: the engine's text, to tell a reviewer's edit from it
    edited: bool | None = None  # translations: True when `text` is a reviewer's edit kept over machine_text
    condensed: list[str] | None = None  # translations: source words clean verbatim left out (mt/condense.py)

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("source_text", "glossary", "machine_text", "edited", "condensed"):
            if d[key] is None:
                d.pop(key)
        return d


@dataclass
class SourceInfo:
    uri: str
    sha256: str
    duration: float


@dataclass
class TextSource:
    """Where a transcript's text came from when not only the ASR (sidecar.py): the human captions
    used (``kind`` "sidecar" or "stream", how much of them aligned) with any rejected before them,
    or ``kind`` "asr" with the rejected ones only. Each rejected candidate is a TextSource too,
    with its ``reason``. In JSON a field that does not apply is left out."""

    kind: str  # "sidecar" (a file beside the media) | "stream" (a subtitle stream in it) | "asr"
    path: str | None = None  # the caption file, or the media file holding the stream
    language: str | None = None  # from the file name or the stream's tag; None: not stated
    stream: int | None = None  # the stream's index among the container's subtitle streams
    coverage: float | None = None  # the share of its words aligned to the speech
    aligned_words: int | None = None
    words: int | None = None
    reason: str | None = None  # why it was rejected
    rejected: list["TextSource"] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.path}" if self.stream is None else f"{self.path} (subtitle stream {self.stream})"  # a candidate's name in messages

    def to_dict(self) -> dict:
        if self.kind == "asr":
            return {"kind": self.kind, "rejected": [r.to_dict() for r in self.rejected]}
        d = {"kind": self.kind, "path": self.path, "language": self.language}
        d.update({k: v for k in _TEXT_SOURCE_OPTIONAL if (v := getattr(self, k)) is not None})
        if self.rejected:
            d["rejected"] = [r.to_dict() for r in self.rejected]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "TextSource":
        return cls(**{**d, "rejected": [cls.from_dict(r) for r in d.get("rejected", [])]})


_TEXT_SOURCE_OPTIONAL = ("stream", "coverage", "aligned_words", "words", "reason")


@dataclass
class Transcript:
    source: SourceInfo
    language: str
    language_probability: float
    segments: list[Segment]
    text_source: TextSource | None = None  # None: the ASR's text, no human captions found
    language_id: dict | None = None  # how the language was decided (asr/language.py LanguageId); None: not recorded
    deferred: bool = False  # unsure, left for the library to decide (never stored)

    @property
    def text(self) -> str:
        return "\n".join(s.text.strip() for s in self.segments if s.text.strip())

    def to_dict(self) -> dict:
        return {
            "schema": TRANSCRIPT_SCHEMA,
            "source": asdict(self.source),
            "language": self.language,
            "language_probability": self.language_probability,
            "segments": [s.to_dict() for s in self.segments],
            **({"text_source": self.text_source.to_dict()} if self.text_source is not None else {}),
            **({"language_id": self.language_id} if self.language_id is not None else {}),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Transcript":
        if d.get("schema") != TRANSCRIPT_SCHEMA:
            raise ValueError(f"not a {TRANSCRIPT_SCHEMA} document (schema={d.get('schema')!r})")
        segments = [
            Segment(**{**s, "words": [Word(**w) for w in s.get("words", [])],
                       "glossary": [TermUse.from_dict(u) for u in s["glossary"]] if s.get("glossary") is not None else None})
            for s in d["segments"]
        ]
        return cls(
            source=SourceInfo(**d["source"]),
            language=d["language"],
            language_probability=d["language_probability"],
            segments=segments,
            text_source=TextSource.from_dict(d["text_source"]) if d.get("text_source") is not None else None,
            language_id=d.get("language_id"),
        )

    def translated(self, language: str, texts: list[str], glossary: list[list[TermUse]] | None = None) -> "Transcript":
        """A translation: same timings and speakers, new text, the original kept as source_text
        (and, when a glossary was applied, the terms found in each segment and whether each was honored)."""
        if len(texts) != len(self.segments) or (glossary is not None and len(glossary) != len(texts)):
            raise ValueError("one translated text per segment is required")
        uses = glossary if glossary is not None else [None] * len(texts)
        segments = [
            replace(s, text=t, language=language, words=[], source_text=s.text, glossary=g, machine_text=t)
            for s, t, g in zip(self.segments, texts, uses)
        ]
        return Transcript(self.source, language, 1.0, segments)
