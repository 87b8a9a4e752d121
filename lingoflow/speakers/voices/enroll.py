"""Enrolled speakers' voice embeddings, from their reference clips (cached by the clip's bytes)."""
from __future__ import annotations

import numpy as np

from ...io import media
from ...store.atomic import atomic_path
from ..diarize import campplus
from ...errors import ConfigError, InputError
from ...paths import cache_dir
from .profiles import VoiceLibrary


def clip_embedding(path: str) -> np.ndarray:
    sha = media.sha256_file(path)
    cached = cache_dir() / "voices" / f"{sha}.campp.npy"
    if cached.is_file():
        return np.load(cached)
    info = media.probe(path)
    wav = cache_dir() / "audio" / f"{sha}.wav"
    if not wav.is_file():
        with atomic_path(wav) as tmp:
            media.decode_audio(info, tmp)
    emb = campplus.embed(media.load_wav(wav))
    with atomic_path(cached) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, emb)
    return emb


def enrolled_embeddings(library: VoiceLibrary) -> dict[str, np.ndarray]:
    """name -> the L2-normalized mean of the embeddings of that person's clips."""
    out = {}
    for sp in library.speakers:
        try:
            mean = np.mean([clip_embedding(c) for c in sp.clips], axis=0)
        except InputError as exc:
            raise ConfigError(f"voices file {library.source}: speaker {sp.name!r}: reference clip {exc}") from exc
        out[sp.name] = mean / (np.linalg.norm(mean) or 1.0)
    return out
