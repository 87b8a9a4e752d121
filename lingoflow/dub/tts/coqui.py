"""Coqui TTS (`coqui-tts`, the maintained fork): XTTS-v2 voice cloning and VITS models.

An optional extra (``make coqui``, docs/voices.md). ``Voice.name`` is a Coqui hub model name
(default ``tts_models/multilingual/multi-dataset/xtts_v2``; downloading needs a reachable hub and,
for XTTS, ``COQUI_TOS_AGREED=1``) or a local model folder holding ``config.json`` and the
checkpoint (or the checkpoint file itself). ``Voice.reference`` is the WAV XTTS clones the voice
from (lingoflow passes the speaker's own clean segments); ``Voice.speaker`` picks a speaker of a
multi-speaker model.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from pathlib import Path

from ...errors import ConfigError, EngineUnavailable
from .base import Synthesizer, Voice

XTTS_V2 = "tts_models/multilingual/multi-dataset/xtts_v2"
_XTTS_LANGUAGE = {"zh": "zh-cn"}  # ISO 639-1 -> XTTS's codes where they differ

_models: dict[str, object] = {}
_lock = threading.Lock()


def available() -> bool:
    return importlib.util.find_spec("TTS") is not None


def _local_files(name: str) -> tuple[Path, Path] | None:
    """(checkpoint, config.json) for a local model folder or checkpoint file; None for a hub name."""
    path = Path(os.path.expanduser(name))
    if path.is_dir():
        config = path / "config.json"
        for candidate in ("model.pth", "best_model.pth", "model_file.pth", "checkpoint.pth"):
            if (path / candidate).is_file():
                return path / candidate, config
        pths = sorted(path.glob("*.pth"))
        if not pths:
            raise ConfigError(f"Coqui model folder {path} holds no .pth checkpoint")
        # XTTS folders are loaded as a whole (several .pth files)
        return (path if (path / "vocab.json").is_file() else pths[0]), config
    if path.suffix == ".pth":
        if not path.is_file():
            raise ConfigError(f"Coqui checkpoint not found: {path}")
        return path, path.parent / "config.json"
    if os.sep in name and not name.startswith("tts_models/"):
        raise ConfigError(f"Coqui model not found: {name} (a folder with config.json and a .pth, or a hub model name)")
    return None


def _sha(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()[:16]


class CoquiEngine(Synthesizer):
    name = "coqui"
    max_rate_speed = 1.3  # XTTS's own speed control (a length scale on its durations); VITS ignores it

    def supports(self, language: str) -> bool:
        # registered after espeak-ng and Piper: chosen only when asked for (profile or --tts-engine)
        return available()

    def _model_name(self, voice: Voice) -> str:
        return voice.name or XTTS_V2

    def identity(self, voice: Voice) -> str:
        name = self._model_name(voice)
        local = _local_files(name)
        model = f"{local[0].name}:{_sha(str(local[0])) if local[0].is_file() else local[0].stat().st_mtime_ns}" if local else name
        ref = _sha(voice.reference) if voice.reference else None
        return f"coqui:{model}:spk{voice.speaker}:ref{ref}:{voice.language}"

    def _load(self, name: str):
        if not available():
            raise EngineUnavailable("the Coqui TTS engine is not installed: run `make coqui` (docs/voices.md)")
        with _lock:
            if name in _models:
                return _models[name]
            from TTS.api import TTS

            local = _local_files(name)
            try:
                if local:
                    checkpoint, config = local
                    if not config.is_file():
                        raise ConfigError(f"Coqui model {name}: config.json not found beside the checkpoint")
                    tts = TTS(model_path=str(checkpoint), config_path=str(config), progress_bar=False)
                else:
                    if "xtts" in name and os.environ.get("COQUI_TOS_AGREED") != "1" and not _downloaded(name):
                        raise EngineUnavailable(
                            f"{name} is under the Coqui Public Model License: accept it by setting COQUI_TOS_AGREED=1 "
                            "(the model, ~1.9 GB, is then downloaded from the model hub once)"
                        )
                    tts = TTS(model_name=name, progress_bar=False)
            except (ConfigError, EngineUnavailable):
                raise
            except Exception as exc:  # no hub, a damaged download, a model this version cannot read
                raise EngineUnavailable(
                    f"cannot load the Coqui model {name!r} ({type(exc).__name__}: {exc}); a hub model needs a reachable "
                    "model hub on first use, a local model a folder with config.json and its checkpoint"
                ) from exc
            _models[name] = tts
            return tts

    def synthesize(self, text: str, voice: Voice, out_wav: str | os.PathLike, speed: float = 1.0) -> None:
        tts = self._load(self._model_name(voice))
        kwargs: dict = {}
        if speed != 1.0:
            kwargs["speed"] = speed
        if getattr(tts, "is_multi_lingual", False):
            kwargs["language"] = _XTTS_LANGUAGE.get(voice.language, voice.language)
        if voice.reference:
            kwargs["speaker_wav"] = voice.reference
        elif getattr(tts, "is_multi_speaker", False):
            speakers = list(getattr(tts, "speakers", None) or [])
            if voice.speaker and speakers and voice.speaker not in speakers:
                raise ConfigError(f"Coqui model {self._model_name(voice)} has no speaker {voice.speaker!r}")
            speaker = voice.speaker or (speakers[0] if speakers else None)
            if speaker is None and "xtts" in self._model_name(voice):
                raise ConfigError("XTTS needs a voice to clone: set clone: true in the voice profile")
            if speaker is not None:
                kwargs["speaker"] = speaker
        tts.tts_to_file(text=text, file_path=str(out_wav), split_sentences=False, **kwargs)


def _downloaded(name: str) -> bool:
    """Whether the hub model already sits in Coqui's own download folder."""
    try:
        from TTS.utils.manage import ModelManager

        folder = Path(ModelManager().output_prefix) / name.replace("/", "--")
        return (folder / "config.json").is_file()
    except Exception:
        return False
