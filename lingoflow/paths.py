"""Where things live: the cache, the files lingoflow ships (bundled), item folder names, and the
check that outputs stay inside OUT."""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path, PurePosixPath

from .errors import ConfigError


_PACKAGE = Path(__file__).resolve().parent


def bundled(*parts: str) -> Path:
    """A file lingoflow reads at run time from the repository's top level (voices/, glossaries/,
    deployments/), e.g. bundled("voices", "default.yaml"): the wheel carries them under
    lingoflow/data/ (setup.py), a checkout has them beside the package."""
    installed = _PACKAGE.joinpath("data", *parts)
    return installed if installed.exists() else _PACKAGE.parent.joinpath(*parts)


def cache_dir() -> Path:
    """LINGOFLOW_CACHE, else $XDG_CACHE_HOME/lingoflow, else ~/.cache/lingoflow."""
    env = os.environ.get("LINGOFLOW_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lingoflow"


def sanitize_name(name: str, fallback: str = "item") -> str:
    """A folder name safe on every filesystem and in S3 keys: letters (any script), digits, . _ -"""
    name = unicodedata.normalize("NFC", name)
    name = re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).strip("._-")
    name = name[:120]
    # at most 180 bytes: a file name holds 255, and '<name>-<hash>.localized.webm' and the
    # hidden temporaries add to it (120 characters of a non-Latin script can be 480 bytes)
    while len(name.encode("utf-8")) > 180:
        name = name[:-1]
    return name.rstrip("._-") or fallback


def unique_item_names(relpaths: list[str]) -> dict[str, str]:
    """Map each source's relative path to a unique folder name, named after the file.

    The first (in sorted order) keeps the plain stem; later sources with the same stem get a
    short hash of their relative path, so names do not shift when other files are added.
    """
    names: dict[str, str] = {}
    used: set[str] = set()
    for rel in sorted(relpaths):
        stem = sanitize_name(PurePosixPath(rel).stem)
        name = stem
        if name.lower() in used:
            name = f"{stem}-{hashlib.sha256(rel.encode()).hexdigest()[:8]}"
        used.add(name.lower())
        names[rel] = name
    return names


def inside(root: str | os.PathLike, *parts: str) -> Path:
    """root/parts..., refusing any result that escapes root ('..', absolute parts, symlinks out)."""
    root_path = Path(root).resolve()
    target = root_path.joinpath(*parts).resolve()
    if target != root_path and root_path not in target.parents:
        raise ConfigError(f"refusing to write outside the output folder: {'/'.join(parts)!r}")
    return target
