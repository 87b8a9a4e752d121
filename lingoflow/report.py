"""The run report (schema ``lingoflow.report/1``): one ItemReport a file, the RunReport of a library.

Every field is typed; each part of a report has one codec, in the module that owns the
concept (the dub fit summary in dubfit.py, glossary adherence in mt/constrained.py, a speaker
here). ``from_dict`` reads what ``to_dict`` writes and nothing else: a field it does not know is
an error, a field an older report lacks takes its default.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .dub.fit import FitSummary
from .mt.constrained import GlossaryAdherence
from .quality.input_checks import InputQuality
from .store.record import Record
from .schema import TextSource
from .captions.writers.qc import CaptionQC

REPORT_SCHEMA = "lingoflow.report/1"
_CASTING = ("profile", "enrolled", "similarity")  # present only when the speaker was cast to a voice


@dataclass
class StageReport(Record):
    seconds: float = 0.0
    cached: bool = False


@dataclass
class SpeakerReport(Record):
    """One speaker of a file: who they are in the library, how much they speak, their pitch, and
    (when the file is dubbed) the voice profile they got and the enrolled person they matched."""

    speaker: str
    library_id: str | None = None  # the same person across the library's files (speaker_registry.py)
    seconds: float = 0.0
    segments: int = 0
    pitch_hz: float | None = None
    pitch_range: str | None = None
    profile: str | None = None  # None: not cast (nothing to dub)
    enrolled: str | None = None
    similarity: float | None = None

    def to_dict(self) -> dict:
        d = super().to_dict()
        if self.profile is None:
            for name in _CASTING:
                del d[name]
        return d


@dataclass
class ItemReport:
    item: str
    source: str
    status: str = "ok"  # "ok" | "failed"
    error: str | None = None
    language: str | None = None
    targets: list[str] = field(default_factory=list)
    audio_seconds: float = 0.0
    stages: dict[str, StageReport] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    dub_fit: dict[str, FitSummary] = field(default_factory=dict)  # per language
    glossary: dict[str, GlossaryAdherence] = field(default_factory=dict)  # per language
    speakers: list[SpeakerReport] = field(default_factory=list)
    edited: dict[str, list[int]] = field(default_factory=dict)  # per language: segment ids carrying a reviewer's text
    resynthesized: dict[str, list[int]] = field(default_factory=dict)  # per language: segment ids spoken anew in this run
    worker: str | None = None  # the machine (and worker name) that localized the file
    text_source: TextSource | None = None  # human captions used or rejected for the source text (sidecar.py); None: ASR, none found
    input_quality: InputQuality | None = None  # the recording's input-quality figures and warnings (quality/input_checks.py)
    captions: dict[str, CaptionQC] = field(default_factory=dict)  # per language: cues within the reading norms (writers/qc.py)
    language_id: dict | None = None  # how the language was decided: detected, probability, candidates, decided_by (docs/languages.md)
    asr_packed: bool = False  # this run decoded its speech in windows shared with other short files of the library (--asr-pack)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["dub_fit"] = {lang: v.to_dict() for lang, v in self.dub_fit.items()}
        d["glossary"] = {lang: v.to_dict() for lang, v in self.glossary.items()}
        d["speakers"] = [s.to_dict() for s in self.speakers]
        d["text_source"] = self.text_source.to_dict() if self.text_source is not None else None
        if self.input_quality is not None:  # absent: not measured (a failed file, an older report)
            d["input_quality"] = self.input_quality.to_dict()
        else:
            del d["input_quality"]
        d["captions"] = {lang: v.to_dict() for lang, v in self.captions.items()}
        if not self.captions:
            del d["captions"]  # a report without caption QC (a failed file) keeps the shape it had
        if self.language_id is None:  # not recorded (a report before it, a file that failed first)
            del d["language_id"]
        if not self.asr_packed:  # only where it happened: a report keeps the shape it had
            del d["asr_packed"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ItemReport":
        d = dict(d)
        d["stages"] = {k: StageReport.from_dict(v) for k, v in d.get("stages", {}).items()}
        d["dub_fit"] = {lang: FitSummary.from_dict(v) for lang, v in d.get("dub_fit", {}).items()}
        d["glossary"] = {lang: GlossaryAdherence.from_dict(v) for lang, v in d.get("glossary", {}).items()}
        d["speakers"] = [SpeakerReport.from_dict(s) for s in d.get("speakers", [])]
        d["text_source"] = TextSource.from_dict(d["text_source"]) if d.get("text_source") is not None else None
        d["input_quality"] = InputQuality.from_dict(d["input_quality"]) if d.get("input_quality") is not None else None
        d["captions"] = {lang: CaptionQC.from_dict(v) for lang, v in d.get("captions", {}).items()}
        return cls(**d)


@dataclass
class RunReport:
    """OUT/report.json: every file's report and the library's totals."""

    items: list[ItemReport] = field(default_factory=list)
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0
    realtime_factor: float | None = None
    failed: int = 0
    publish_error: str | None = None  # the upload to S3 failed (the report is kept locally)
    schema: str = REPORT_SCHEMA

    @classmethod
    def of(cls, items: list[ItemReport], wall_seconds: float) -> "RunReport":
        audio = sum(i.audio_seconds for i in items)
        return cls(items, round(audio, 3), round(wall_seconds, 3), round(audio / wall_seconds, 3) if wall_seconds > 0 else None,
                   sum(1 for i in items if i.status != "ok"))

    def to_dict(self) -> dict:
        d = {"schema": self.schema, "items": [i.to_dict() for i in self.items], "audio_seconds": self.audio_seconds,
             "wall_seconds": self.wall_seconds, "realtime_factor": self.realtime_factor, "failed": self.failed}
        if self.publish_error is not None:
            d["publish_error"] = self.publish_error
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RunReport":
        if d.get("schema") != REPORT_SCHEMA:
            raise ValueError(f"not a lingoflow report (schema {d.get('schema')!r}, expected {REPORT_SCHEMA!r})")
        d = dict(d)
        d["items"] = [ItemReport.from_dict(i) for i in d.get("items", [])]
        return cls(**d)
