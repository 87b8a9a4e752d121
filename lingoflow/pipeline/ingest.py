"""The ingest stage: probe the source, hash its bytes, decode it once to 16 kHz mono PCM (in the cache)."""
from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

from ..io import media
from ..store.atomic import atomic_path
from ..paths import cache_dir
from .stage import HANDOFF, FileWork, Stage


@dataclass
class Ingested:
    uri: str
    info: media.MediaInfo
    sha256: str
    audio_wav: str  # 16 kHz mono, in the cache, keyed by the source bytes
    duration: float

    def key_identity(self) -> str:
        """As a later stage's input: the source's bytes (its duration, rate and decoded audio follow from them)."""
        return self.sha256

    def to_dict(self) -> dict:
        """The decoded audio's path is not stored: it follows from the hash (and the cache folder)."""
        return {"uri": self.uri, "info": self.info.to_dict(), "sha256": self.sha256, "duration": self.duration}

    @classmethod
    def from_dict(cls, d: dict, uri: str) -> "Ingested":
        """`uri`: the source as this run names it (a stored result may come from another name)."""
        return cls(uri, media.MediaInfo.from_dict(d["info"]), d["sha256"], str(_decoded(d["sha256"])), d["duration"])


def _decoded(sha256: str) -> Path:
    return cache_dir() / "audio" / f"{sha256}.wav"


def ingest(path: str, uri: str | None = None, prepared: Ingested | None = None) -> Ingested:
    """`prepared`: this file ingested a moment ago by its library's group step (stage.HANDOFF)."""
    if prepared is not None:
        return prepared
    info = media.probe(path)
    sha = media.sha256_file(path)
    wav = _decoded(sha)
    if not wav.is_file():
        with atomic_path(wav) as tmp:
            media.decode_audio(info, tmp)
    with wave.open(str(wav), "rb") as w:
        decoded = w.getnframes() / w.getframerate()
    duration = info.duration or decoded
    return Ingested(uri or str(Path(path).absolute()), info, sha, str(wav), duration)


class IngestStage(Stage):
    """Its arguments are a local copy of the source, which for S3 means a download: its key is the
    source's identity instead (sources.identity: its SHA-256, or its S3 ETag and size), known
    before anything is fetched."""

    kind = "ingest"
    function = staticmethod(ingest)

    def key(self, work: FileWork) -> str:
        from ..io import sources
        from ..store.cache import code_identity, stage_key

        return stage_key("ingest", code=code_identity(ingest), inputs=sources.identity(work.source, work.s3))

    def run(self, work: FileWork, task) -> Ingested:
        from ..io import sources

        prepared = HANDOFF.take(self.kind, self.key(work))
        if prepared is not None:
            return task(prepared.info.path, work.report.source, prepared=prepared)
        return task(sources.local_copy(work.source, work.s3), work.report.source)

    def encode(self, value: Ingested) -> dict:
        return value.to_dict()

    def decode(self, data: dict, work: FileWork) -> Ingested:
        return Ingested.from_dict(data, work.report.source)

    def valid(self, data: dict) -> bool:
        """The decoded audio (in the cache) and the local source are still there."""
        return _decoded(data["sha256"]).is_file() and Path(data["info"]["path"]).is_file()

    def keep(self, work: FileWork, value: Ingested, cached: bool) -> None:
        work.ingested = value
        work.report.audio_seconds = round(value.duration, 3)
