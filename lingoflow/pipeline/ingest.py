"""The ingest stage: probe the source, hash its bytes, decode it once to 16 kHz mono PCM (in the cache)."""
from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

from .. import media
from ..atomic import atomic_path
from ..paths import cache_dir


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
