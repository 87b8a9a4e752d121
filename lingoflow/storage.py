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
`S3Config`; they are never logged (the config's repr hides them).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterator

from .atomic import atomic_path, copy_file, write_bytes
from .errors import ConfigError, InputError, ToolError

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


class S3Store:
    """s3://bucket/prefix through the minio SDK."""

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

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        base = self._key(prefix) + "/" if prefix else (self.prefix + "/" if self.prefix else "")
        with _s3_errors(self.uri):
            for obj in self.client.list_objects(self.bucket, prefix=base, recursive=True):
                if obj.is_dir:
                    continue
                yield ObjectInfo(self._rel(obj.object_name), obj.size or 0, (obj.etag or "").strip('"'))

    def stat(self, key: str) -> ObjectInfo | None:
        from minio.error import S3Error

        try:
            st = self.client.stat_object(self.bucket, self._key(key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"):
                return None
            raise ToolError(f"{self.uri}: {exc.code}: {exc.message}") from exc
        meta = {k.lower(): v for k, v in (st.metadata or {}).items()}
        return ObjectInfo(key, st.size or 0, (st.etag or "").strip('"'), meta.get("x-amz-meta-sha256"))

    def download(self, key: str, dest: str | os.PathLike) -> Path:
        """Stream the object to dest (temporary name, renamed when complete)."""
        with _s3_errors(f"{self.uri}/{key}"), atomic_path(dest) as tmp:
            resp = self.client.get_object(self.bucket, self._key(key))
            try:
                with open(tmp, "wb") as fh:
                    shutil.copyfileobj(resp, fh, 1 << 20)
            finally:
                resp.close()
                resp.release_conn()
        return Path(dest)

    def upload(self, src: str | os.PathLike, key: str, sha256: str | None = None) -> None:
        """Stream a file up; multipart above PART_SIZE; visible only once complete."""
        meta = {"sha256": sha256} if sha256 else None
        with _s3_errors(f"{self.uri}/{key}"):
            self.client.fput_object(self.bucket, self._key(key), str(src), metadata=meta, part_size=PART_SIZE)

    def read_bytes(self, key: str) -> bytes | None:
        from minio.error import S3Error

        try:
            resp = self.client.get_object(self.bucket, self._key(key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return None
            raise ToolError(f"{self.uri}: {exc.code}: {exc.message}") from exc
        try:
            return resp.read()
        finally:
            resp.close()
            resp.release_conn()

    def write_bytes(self, key: str, data: bytes) -> None:
        with _s3_errors(f"{self.uri}/{key}"):
            self.client.put_object(self.bucket, self._key(key), io.BytesIO(data), len(data))


def make_client(config: S3Config):
    from minio import Minio

    return Minio(config.endpoint, access_key=config.access_key, secret_key=config.secret_key, secure=config.secure, region=config.region)


@contextlib.contextmanager
def _s3_errors(where: str):
    """S3 and connection failures as lingoflow errors that name the object, never the credentials."""
    from minio.error import S3Error

    try:
        yield
    except S3Error as exc:
        if exc.code in ("NoSuchKey", "NoSuchBucket", "AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId"):
            raise InputError(where, f"S3 error {exc.code}: {exc.message}") from exc
        raise ToolError(f"{where}: S3 error {exc.code}: {exc.message}") from exc
    except OSError as exc:  # connection refused, TLS, DNS
        raise ToolError(f"{where}: cannot reach the S3 endpoint: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # urllib3 errors are not OSErrors
        if type(exc).__module__.startswith("urllib3"):
            raise ToolError(f"{where}: cannot reach the S3 endpoint: {type(exc).__name__}") from exc
        raise


def open_store(uri: str, config: S3Config | None = None) -> LocalStore | S3Store:
    return S3Store(uri, config) if is_s3(uri) else LocalStore(uri)


def read_json(store, key: str):
    data = store.read_bytes(key)
    return None if data is None else json.loads(data)


def write_json(store, key: str, obj) -> None:
    store.write_bytes(key, (json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))


def posix_join(*parts: str) -> str:
    return str(PurePosixPath(*[p for p in parts if p]))
