"""Find the sources of a library: files given directly, folders walked recursively."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .media import MEDIA_EXTENSIONS
from ..paths import unique_item_names


@dataclass(frozen=True)
class Source:
    path: str  # local path
    relpath: str  # path relative to the folder it was found in (the file name for files)
    item: str  # output folder name


def discover(inputs: list[str], exclude: list[str] | tuple[str, ...] = ()) -> list[Source]:
    """Media files under the inputs, in a stable order, each with a unique item name.

    Symlinked folders are followed once (a loop is not walked twice); hidden files and
    files without a media extension are skipped. A named file is always taken. Folders in
    `exclude` (the output folder, when it lies inside an input) are not walked, so a re-run
    never takes last run's dubs and containers for sources.
    """
    found: list[tuple[str, str]] = []
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            found.extend(_walk(path, exclude))
        elif path.exists() or path.is_symlink():
            found.append((str(path), path.name))
        else:
            raise ConfigError(f"input not found: {given}")
    return named(found)


def named(found: list[tuple[str, str]]) -> list[Source]:
    """(path, relative path) pairs as Sources, in a stable order, each with a unique item name;
    the same relative path from two inputs is told apart by the input's index."""
    relpaths = [rel for _, rel in found]
    if len(set(relpaths)) != len(relpaths):
        found = [(p, f"{i}/{rel}") for i, (p, rel) in enumerate(found)]
    names = unique_item_names([rel for _, rel in found])
    return [Source(p, rel, names[rel]) for p, rel in sorted(found, key=lambda f: f[1])]


def _walk(root: Path, exclude=()) -> list[tuple[str, str]]:
    out = []
    seen: set[tuple[int, int]] = set()
    root_st = os.stat(root)
    for folder in exclude:
        try:
            st = os.stat(folder)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) != (root_st.st_dev, root_st.st_ino):
            seen.add((st.st_dev, st.st_ino))
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:  # symlink loop or a folder linked twice
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() not in MEDIA_EXTENSIONS:
                continue
            full = Path(dirpath) / name
            out.append((str(full), full.relative_to(root).as_posix()))
    return out
