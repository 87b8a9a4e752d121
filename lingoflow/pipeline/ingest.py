"""The ingest stage: probe the source, hash its bytes, decode it once to 16 kHz mono PCM (in the cache)."""
from __future__ import annotations

import wave
from dataclasses import asdict, dataclass
from pathlib import Path

from ..io import media
from ..store.atomic import atomic_path
from ..paths import cache_dir
from .stage import FileWork, Stage


@dataclass
class Ingested:
    uri: str
    info: media.MediaInfo
    sha256: str
    audio_wav: str  # 16 kHz mono, in the cache, keyed by the source bytes
    duration: float


def ingest(path: str, uri: str | None = None) -> Ingested:
    info = media.probe(path)
    sha = media.sha256_file(path)
    wav = cache_dir() / "audio" / f"{sha}.wav"
    if not wav.is_file():
        with atomic_path(wav) as tmp:
            media.decode_audio(info, tmp)
    with wave.open(str(wav), "rb") as w:
        decoded = w.getnframes() / w.getframerate()
    duration = info.duration or decoded
    return Ingested(uri or str(Path(path).absolute()), info, sha, str(wav), duration)


def key(identity: dict) -> str:
    """`identity`: the source's content (sources.identity: its SHA-256, or its S3 ETag and size)."""
    from ..store.cache import code_identity, stage_key

    return stage_key("ingest", code=code_identity(ingest), inputs=identity)


def to_dict(ingested: Ingested) -> dict:
    return {"uri": ingested.uri, "info": asdict(ingested.info), "sha256": ingested.sha256, "duration": ingested.duration}


def from_dict(d: dict, uri: str) -> Ingested:
    info = dict(d["info"])
    info["audio_streams"] = [media.AudioStream(**s) for s in info.get("audio_streams", [])]
    wav = cache_dir() / "audio" / f"{d['sha256']}.wav"
    return Ingested(uri, media.MediaInfo(**info), d["sha256"], str(wav), d["duration"])


class IngestStage(Stage):
    kind = "ingest"

    def key(self, work: FileWork) -> str:
        from ..io import sources

        return key(sources.identity(work.source, work.s3))

    def run(self, work: FileWork, task) -> Ingested:
        from ..io import sources

        return task(sources.local_copy(work.source, work.s3), work.report.source)

    def encode(self, value: Ingested) -> dict:
        return to_dict(value)

    def decode(self, data: dict, work: FileWork) -> Ingested:
        return from_dict(data, work.report.source)

    def valid(self, data: dict) -> bool:
        """The decoded audio (in the cache) and the local source are still there."""
        return (cache_dir() / "audio" / f"{data['sha256']}.wav").is_file() and Path(data["info"]["path"]).is_file()

    def keep(self, work: FileWork, value: Ingested, cached: bool) -> None:
        work.ingested = value
        work.report.audio_seconds = round(value.duration, 3)
