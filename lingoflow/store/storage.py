"""Where media and outputs live: a local folder or an S3/MinIO ``s3://bucket/prefix``.

One small interface over both (list, stat, download, upload, read/write small JSON), so the
flows treat a library in MinIO like a folder. S3 goes through the `minio` SDK:
- listing is streamed (the SDK pages through ListObjectsV2), never loaded whole;
- downloads stream to a temporary file beside the target and are renamed when complete;
- uploads stream from disk, multipart above 16 MiB (`fput_object`), so an object becomes
  visible only once it is whole (S3's own semantics: a PUT or a completed multipart upload);
- every key stays inside the prefix: no `..`, no absolute or empty parts.
Credentials come from the environment (MinIO style: LINGOFLOW_S3_ENDPOINT host:port,
LINGOFLOW_S3_ACCESS_KEY, LINGOFLOW_S3_SECRET_KEY, LINGOFLOW_S3_SECURE true unless "false",
LINGOFLOW_S3_REGION) or from a Prefect block resolved by the flows layer and passed in as an
`S3Config`; they are never logged (the config's repr hides them). Transient failures are
retried a bounded number of times with backoff (s3client.py); `check_access` fails fast.
"""
from __future__ import annotations

import io
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .atomic import atomic_path, copy_file, write_bytes
from ..errors import ConfigError, InputError
from .s3client import MISSING_CODES, StorageUnavailable, call, make_client

PART_SIZE = 16 * 1024 * 1024  # multipart upload part size (S3 minimum is 5 MiB)


def is_s3(uri: str) -> bool:
    return str(uri).startswith("s3://")


def split_s3(uri: str) -> tuple[str, str]:
    """s3://bucket/a/b -> ("bucket", "a/b"); the prefix is validated like any key."""
    if not is_s3(uri):
        raise ConfigError(f"not an s3:// URI: {uri!r}")
    rest = uri[len("s3://"):]
    bucket, _, prefix = rest.partition("/")
    if not bucket or not all(c.isalnum() or c in ".-" for c in bucket) or not 3 <= len(bucket) <= 63:
        raise ConfigError(f"invalid bucket name in {uri!r} (3-63 characters: letters, digits, '.', '-')")
    prefix = prefix.strip("/")
    if prefix:
        check_key(prefix)
    return bucket, prefix


def check_key(key: str) -> str:
    """A relative object key: no empty, '.' or '..' parts, not absolute, no backslashes or NULs."""
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise ConfigError(f"invalid object key {key!r}")
    parts = key.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ConfigError(f"object key escapes its prefix or has empty parts: {key!r}")
    return key


@dataclass(frozen=True)
class S3Config:
    endpoint: str  # host:port
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    secure: bool = True
    region: str | None = None

    @classmethod
    def from_env(cls) -> "S3Config":
        endpoint = os.environ.get("LINGOFLOW_S3_ENDPOINT", "").strip()
        if not endpoint:
            raise ConfigError("s3:// needs LINGOFLOW_S3_ENDPOINT (host:port), LINGOFLOW_S3_ACCESS_KEY and LINGOFLOW_S3_SECRET_KEY, or a MinIOCredentials block")
        for scheme in ("http://", "https://"):
            if endpoint.startswith(scheme):  # tolerate a URL; the scheme decides TLS
                endpoint, secure = endpoint[len(scheme):].rstrip("/"), scheme == "https://"
                break
        else:
            secure = os.environ.get("LINGOFLOW_S3_SECURE", "true").strip().lower() not in ("false", "0", "no")
        if "@" in endpoint or "/" in endpoint:  # user:secret@host would put a secret where messages show the endpoint
            raise ConfigError("LINGOFLOW_S3_ENDPOINT must be host:port (or a URL without credentials or path); "
                              "credentials go in LINGOFLOW_S3_ACCESS_KEY and LINGOFLOW_S3_SECRET_KEY")
        return cls(endpoint, os.environ.get("LINGOFLOW_S3_ACCESS_KEY", ""), os.environ.get("LINGOFLOW_S3_SECRET_KEY", ""),
                   secure, os.environ.get("LINGOFLOW_S3_REGION") or None)


@dataclass(frozen=True)
class ObjectInfo:
    key: str  # relative to the store's root
    size: int
    etag: str  # S3 ETag, or "size:mtime_ns" for a local file
    sha256: str | None = None  # from x-amz-meta-sha256 when lingoflow uploaded it


class LocalStore:
    """A folder, with the same interface as S3Store (keys are relative POSIX paths)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.uri = str(self.root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                full = Path(dirpath) / name
                st = full.stat()
                yield ObjectInfo(full.relative_to(self.root).as_posix(), st.st_size, f"{st.st_size}:{st.st_mtime_ns}")

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            st = self.path(key).stat()
        except FileNotFoundError:
            return None
        return ObjectInfo(key, st.st_size, f"{st.st_size}:{st.st_mtime_ns}")

    def download(self, key: str, dest: str | os.PathLike) -> Path:
        return copy_file(self.path(key), dest)

    def upload(self, src: str | os.PathLike, key: str, sha256: str | None = None) -> None:
        copy_file(src, self.path(key))

    def read_bytes(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None

    def write_bytes(self, key: str, data: bytes) -> None:
        write_bytes(self.path(key), data)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


class S3Store:
    """s3://bucket/prefix through the minio SDK; every call goes through s3client.call (bounded
    retries with backoff for transient failures, clear errors for the rest)."""

    LIST_PAGE = 1000  # keys per listing call; a failed call is retried from the last key seen

    def __init__(self, uri: str, config: S3Config | None = None, client=None):
        self.bucket, self.prefix = split_s3(uri)
        self.uri = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.config = config or S3Config.from_env()
        self.client = client or make_client(self.config)

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _rel(self, full: str) -> str:
        return full[len(self.prefix) + 1:] if self.prefix else full

    def _call(self, where: str, op):
        return call(self.config.endpoint, where, op)

    def check_access(self) -> None:
        """Fail fast, before any audio: the endpoint answers, the credentials are accepted and the
        bucket exists (one listing request, retried like any other call)."""
        def probe():
            try:
                next(iter(self.client.list_objects(self.bucket, prefix=(self.prefix + "/") if self.prefix else None, recursive=False)), None)
            except Exception as exc:
                if getattr(exc, "code", None) == "NoSuchBucket":
                    raise ConfigError(f"{self.uri}: bucket {self.bucket!r} does not exist on {self.config.endpoint}") from exc
                raise

        try:
            self._call(self.uri, probe)
        except StorageUnavailable as exc:
            raise ConfigError(f"{exc} (check LINGOFLOW_S3_ENDPOINT / LINGOFLOW_S3_SECURE, or the credentials block)") from exc
        except InputError as exc:
            raise ConfigError(str(exc)) from exc

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Streamed page by page; a listing cut by a transient failure resumes after the last key."""
        base = self._key(prefix) + "/" if prefix else (self.prefix + "/" if self.prefix else "")
        last: str | None = None
        while True:
            page: list = []

            def fetch():
                page.clear()
                for obj in self.client.list_objects(self.bucket, prefix=base, recursive=True, start_after=last):
                    page.append(obj)
                    if len(page) >= self.LIST_PAGE:
                        break
                return page

            objects = self._call(self.uri, fetch)
            for obj in objects:
                last = obj.object_name
                if not obj.is_dir:
                    yield ObjectInfo(self._rel(obj.object_name), obj.size or 0, (obj.etag or "").strip('"'))
            if len(objects) < self.LIST_PAGE:
                return

    def stat(self, key: str) -> ObjectInfo | None:
        from minio.error import S3Error

        def op():
            try:
                return self.client.stat_object(self.bucket, self._key(key))
            except S3Error as exc:
                if exc.code in MISSING_CODES:
                    return None
                raise

        st = self._call(f"{self.uri}/{key}", op)
        if st is None:
            return None
        meta = {k.lower(): v for k, v in (st.metadata or {}).items()}
        return ObjectInfo(key, st.size or 0, (st.etag or "").strip('"'), meta.get("x-amz-meta-sha256"))

    def download(self, key: str, dest: str | os.PathLike) -> Path:
        """Stream the object to dest (temporary name, renamed when complete); a transfer cut
        midway starts again from the first byte into a fresh temporary."""
        def op():
            with atomic_path(dest) as tmp:
                resp = self.client.get_object(self.bucket, self._key(key))
                try:
                    with open(tmp, "wb") as fh:
                        shutil.copyfileobj(resp, fh, 1 << 20)
                finally:
                    resp.close()
                    resp.release_conn()

        self._call(f"{self.uri}/{key}", op)
        return Path(dest)

    def upload(self, src: str | os.PathLike, key: str, sha256: str | None = None) -> None:
        """Stream a file up; multipart above PART_SIZE; visible only once complete."""
        meta = {"sha256": sha256} if sha256 else None
        self._call(f"{self.uri}/{key}", lambda: self.client.fput_object(self.bucket, self._key(key), str(src), metadata=meta, part_size=PART_SIZE))

    def read_bytes(self, key: str) -> bytes | None:
        from minio.error import S3Error

        def op():
            try:
                resp = self.client.get_object(self.bucket, self._key(key))
            except S3Error as exc:
                if exc.code in MISSING_CODES:
                    return None
                raise
            try:
                return resp.read()
            finally:
                resp.close()
                resp.release_conn()

        return self._call(f"{self.uri}/{key}", op)

    def write_bytes(self, key: str, data: bytes) -> None:
        self._call(f"{self.uri}/{key}", lambda: self.client.put_object(self.bucket, self._key(key), io.BytesIO(data), len(data)))

    def delete(self, key: str) -> None:
        """Remove an object; a missing one is no error (S3 DELETE is idempotent)."""
        self._call(f"{self.uri}/{key}", lambda: self.client.remove_object(self.bucket, self._key(key)))


def get_json(store, key: str):
    data = store.read_bytes(key)
    return None if data is None else json.loads(data)


def put_json(store, key: str, obj) -> None:
    store.write_bytes(key, (json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
