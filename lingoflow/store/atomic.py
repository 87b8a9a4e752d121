"""Write files under a temporary name and rename, so no partial file shows under its final name."""
from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from ..errors import OutputError

# write failures that mean "no room": clear error, not retried, nothing partial left behind
NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `final`; on success fsync and rename it into place.

    The temporary name keeps the final suffix so tools that pick a format from the
    extension (ffmpeg) still do; it starts with a dot so listings skip it.
    """
    final = Path(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{final.stem[:40]}.{os.getpid()}-", suffix=f".part{final.suffix}", dir=final.parent)
    except OSError as exc:
        if exc.errno in NO_SPACE:
            raise OutputError(str(final), os.strerror(exc.errno)) from exc
        raise
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual permissions
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except OSError as exc:
        if exc.errno in NO_SPACE:
            raise OutputError(str(final), f"{os.strerror(exc.errno)} (nothing partial was kept)") from exc
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_bytes(final: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)
    return Path(final)


def write_text(final: str | os.PathLike, text: str) -> Path:
    return write_bytes(final, text.encode("utf-8"))


def write_json(final: str | os.PathLike, obj) -> Path:
    return write_text(final, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def copy_file(src: str | os.PathLike, final: str | os.PathLike) -> Path:
    with atomic_path(final) as tmp:
        shutil.copyfile(src, tmp)
    return Path(final)
