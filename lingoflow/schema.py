"""Plain dataclasses for transcripts and their JSON form (schema ``lingoflow.transcript/1``)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

TRANSCRIPT_SCHEMA = "lingoflow.transcript/1"


@dataclass
class Word:
    start: float
    end: float
    text: str
    probability: float = 1.0


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
    glossary: list[dict] | None = None  # translations with a glossary: [{term, target, honored}]
    machine_text: str | None = None  # translations: the engine's text, to tell a reviewer's edit from it
    edited: bool | None = None  # translations: True when `text` is a reviewer's edit kept over machine_text

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("source_text", "glossary", "machine_text", "edited"):
            if d[key] is None:
                d.pop(key)
        return d


@dataclass
class SourceInfo:
    uri: str
    sha256: str
    duration: float


@dataclass
class Transcript:
    source: SourceInfo
    language: str
    language_probability: float
    segments: list[Segment]
    # where the text came from when not only the ASR: human captions used, or rejected (sidecar.py)
    text_source: dict | None = None

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
            **({"text_source": self.text_source} if self.text_source is not None else {}),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Transcript":
        if d.get("schema") != TRANSCRIPT_SCHEMA:
            raise ValueError(f"not a {TRANSCRIPT_SCHEMA} document (schema={d.get('schema')!r})")
        segments = [
            Segment(**{**s, "words": [Word(**w) for w in s.get("words", [])]}) for s in d["segments"]
        ]
        return cls(
            source=SourceInfo(**d["source"]),
            language=d["language"],
            language_probability=d["language_probability"],
            segments=segments,
            text_source=d.get("text_source"),
        )

    def translated(self, language: str, texts: list[str], glossary: list[list[dict]] | None = None) -> "Transcript":
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
