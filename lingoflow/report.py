"""The run report (schema ``lingoflow.report/1``)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

REPORT_SCHEMA = "lingoflow.report/1"


@dataclass
class StageReport:
    seconds: float = 0.0
    cached: bool = False


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
    dub_fit: dict[str, dict] = field(default_factory=dict)  # per language: FitStats summary
    glossary: dict[str, dict] = field(default_factory=dict)  # per language: {applied, honored, missed {term: n}}
    speakers: list[dict] = field(default_factory=list)  # per speaker: seconds, pitch, profile, enrolled match
    edited: dict[str, list[int]] = field(default_factory=dict)  # per language: segment ids carrying a reviewer's text
    resynthesized: dict[str, list[int]] = field(default_factory=dict)  # per language: segment ids spoken anew in this run
    worker: str | None = None  # the machine (and worker name) that localized the file
    text_source: dict | None = None  # human captions used or rejected for the source text (sidecar.py); None: ASR, none found

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ItemReport":
        d = dict(d)
        d["stages"] = {k: StageReport(**v) for k, v in d.get("stages", {}).items()}
        return cls(**d)


def run_report(items: list[ItemReport], wall_seconds: float) -> dict:
    audio = sum(i.audio_seconds for i in items)
    return {
        "schema": REPORT_SCHEMA,
        "items": [i.to_dict() for i in items],
        "audio_seconds": round(audio, 3),
        "wall_seconds": round(wall_seconds, 3),
        "realtime_factor": round(audio / wall_seconds, 3) if wall_seconds > 0 else None,
        "failed": sum(1 for i in items if i.status != "ok"),
    }
