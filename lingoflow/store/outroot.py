"""OUT as the stages see it: a local folder, or an S3 prefix written through a local mirror.

Stages always write local files (ffmpeg, wave and friends need paths). With OUT on S3 they
write into a mirror folder in the cache, and `publish` uploads an item's files once they are
complete, each with its SHA-256 as object metadata, skipping objects already there with the
same bytes. S3 makes an object visible only when its upload completes, so no partial output
is ever listed. A result reused from another machine brings its files down from OUT.
"""
from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

from .cache import digest, file_sha256, remember_sha256
from ..paths import cache_dir, inside
from .storage import S3Config, S3Store, is_s3

PARTIAL_MAX_AGE = 6 * 3600  # leftovers of a killed run older than this are swept


class OutputRoot:
    def __init__(self, uri: str, s3_config: S3Config | None = None):
        self.uri = str(uri).rstrip("/") if is_s3(str(uri)) else str(uri)
        if is_s3(self.uri):
            self.remote: S3Store | None = S3Store(self.uri, s3_config)
            self.local = cache_dir() / "outbox" / digest(self.uri)[:16]
        else:
            self.remote = None
            self.local = Path(self.uri)
        self.local.mkdir(parents=True, exist_ok=True)
        self.local = self.local.resolve()

    def folder(self, item: str) -> Path:
        return inside(self.local, item)

    def rel(self, path: str | os.PathLike) -> str:
        return Path(path).resolve().relative_to(self.local).as_posix()

    def has(self, outputs: dict[str, str]) -> bool:
        """Every output present with the recorded bytes (fetched from OUT on S3 when only there)."""
        for rel, sha in outputs.items():
            path = inside(self.local, rel)
            if path.is_file() and file_sha256(path) == sha:
                continue
            if self.remote is not None:
                info = self.remote.stat(rel)
                if info is not None and info.sha256 == sha:
                    self.remote.download(rel, path)
                    remember_sha256(path, sha)
                    continue
            return False
        return True

    def publish(self, rels: list[str]) -> int:
        """Upload outputs to OUT on S3 (no-op for a local OUT); returns how many were uploaded."""
        if self.remote is None:
            return 0
        uploaded = 0
        for rel in rels:
            path = inside(self.local, rel)
            sha = file_sha256(path)
            info = self.remote.stat(rel)
            if info is not None and info.sha256 == sha:
                continue
            self.remote.upload(path, rel, sha256=sha)
            uploaded += 1
        return uploaded


_PID = re.compile(r"\.(\d+)-[^.]*\.part")


def _writer_gone(name: str) -> bool:
    """True when the temporary's name carries the pid of a process no longer running here."""
    m = _PID.search(name)
    if not m:
        return False
    try:
        os.kill(int(m.group(1)), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def sweep_partials(folder: str | os.PathLike, max_age: float = PARTIAL_MAX_AGE) -> int:
    """Remove temporary files (atomic.py's '.name.XXXX.part.ext') that a killed run left behind.

    Only old ones: a run working in the same folder right now keeps its own.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    removed = 0
    now = time.time()
    for p in folder.glob(".*.part*"):
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime > max_age or _writer_gone(p.name):
                p.unlink()
                removed += 1
    return removed
