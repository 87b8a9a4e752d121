"""Sources that may live on S3: discovery over folders and s3:// prefixes, identity, download."""
from __future__ import annotations

from pathlib import Path, PurePosixPath

from ..store.cache import digest
from ..errors import ConfigError, InputError
from .library import Source, discover, named
from .media import MEDIA_EXTENSIONS
from ..paths import cache_dir
from ..store.storage import S3Config, S3Store, is_s3


def discover_any(inputs: list[str], s3_config: S3Config | None = None, exclude: list[str] = ()) -> list[Source]:
    """Like library.discover, plus s3://bucket/prefix inputs (listed, streamed, never loaded whole)."""
    local = [i for i in inputs if not is_s3(i)]
    remote = [i for i in inputs if is_s3(i)]
    if not remote:
        return discover(inputs, exclude=exclude)
    found: list[tuple[str, str]] = [(s.path, s.relpath) for s in discover(local, exclude=exclude)] if local else []
    for given in remote:
        store = S3Store(given, s3_config)
        for obj in store.list():
            name = PurePosixPath(obj.key)
            if any(part.startswith(".") for part in name.parts) or name.suffix.lower() not in MEDIA_EXTENSIONS:
                continue
            found.append((f"{store.uri}/{obj.key}", obj.key))
    return named(found)


def check_s3_access(uris: list[str], s3_config: S3Config | None = None) -> None:
    """Fail fast (ConfigError) before any audio when an s3:// input or OUT cannot be used:
    unreachable endpoint, credentials refused, missing bucket."""
    seen: set[str] = set()
    for uri in uris:
        if is_s3(uri) and uri not in seen:
            seen.add(uri)
            S3Store(uri, s3_config).check_access()


def identity(source: str, s3_config: S3Config | None = None) -> dict:
    """What identifies a source's bytes without reading them: stat for a file, ETag for an object."""
    if is_s3(source):
        store, key = _object(source, s3_config)
        info = store.stat(key)
        if info is None:
            raise InputError(source, "object not found")
        return {"uri": source, "size": info.size, "etag": info.etag}
    path = Path(source)
    try:
        st = path.stat()
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from exc
    return {"path": str(path.absolute()), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}


def local_copy(source: str, s3_config: S3Config | None = None) -> str:
    """A local path for the source: itself, or the object streamed into the cache once."""
    if not is_s3(source):
        return source
    ident = identity(source, s3_config)
    dest = cache_dir() / "sources" / digest(ident)[:24] / PurePosixPath(source).name
    if not dest.is_file():
        store, key = _object(source, s3_config)
        store.download(key, dest)
    return str(dest)


def _object(uri: str, s3_config: S3Config | None) -> tuple[S3Store, str]:
    parent, _, name = uri.rpartition("/")
    if not name or parent in ("s3:", "s3:/"):
        raise ConfigError(f"not an object URI: {uri!r}")
    return S3Store(parent, s3_config), name
