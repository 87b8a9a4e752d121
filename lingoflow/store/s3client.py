"""The minio client lingoflow uses, and the one place where S3 calls are retried.

- Transient failures (connection refused or reset, timeouts, 5xx, SlowDown) are retried with
  exponential backoff a bounded number of times (LINGOFLOW_S3_RETRIES, default 4 retries;
  LINGOFLOW_S3_RETRY_DELAY, default 1 s, doubled each time: at most ~15 s per call), each retry
  logged as a warning on the `lingoflow.s3` logger. urllib3's own retries are off, so the
  bound is this one and the log says every attempt.
- After the retries run out the endpoint is taken as down: later calls in this process make a
  single attempt (no backoff) until one succeeds, so a library of a thousand files whose
  server died fails in seconds per file, not in hours, and picks up again if it comes back.
- Deterministic failures (no such bucket, access denied, bad signature) are never retried.
- Messages name the endpoint, bucket and object, never the credentials: they travel in a
  request header and are in no URL, exception or log line that comes from here.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Callable, TypeVar

from ..errors import ConfigError, InputError, ToolError

log = logging.getLogger("lingoflow.s3")
T = TypeVar("T")

TRANSIENT_CODES = {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "RequestTimeTooSkewed", "OperationAborted"}
CREDENTIAL_CODES = {"AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken", "ExpiredToken", "AllAccessDisabled"}
MISSING_CODES = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}

_down: dict[str, float] = {}  # endpoint -> when its retries last ran out
_down_lock = threading.Lock()


class StorageUnavailable(ToolError):
    """The S3 endpoint did not answer after the bounded retries (transient: a later run may succeed)."""


def retry_policy() -> tuple[int, float]:
    """(retries, first delay in seconds) from the environment; validated, never negative."""
    try:
        retries = int(os.environ.get("LINGOFLOW_S3_RETRIES", "4"))
        delay = float(os.environ.get("LINGOFLOW_S3_RETRY_DELAY", "1.0"))
    except ValueError as exc:
        raise ConfigError(f"LINGOFLOW_S3_RETRIES must be an integer and LINGOFLOW_S3_RETRY_DELAY a number of seconds: {exc}") from exc
    if not 0 <= retries <= 20 or not 0 <= delay <= 60:
        raise ConfigError("LINGOFLOW_S3_RETRIES must be 0-20 and LINGOFLOW_S3_RETRY_DELAY 0-60 seconds")
    return retries, delay


def make_client(config):
    """A Minio client with timeouts and without urllib3's hidden retries (call() retries)."""
    import certifi
    import urllib3
    from minio import Minio

    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=10, read=120), maxsize=10, retries=False,
                               cert_reqs="CERT_REQUIRED", ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where())
    return Minio(config.endpoint, access_key=config.access_key, secret_key=config.secret_key, secure=config.secure,
                 region=config.region, http_client=http)


def is_transient(exc: BaseException) -> bool:
    from minio.error import S3Error, ServerError

    if isinstance(exc, S3Error):
        return exc.code in TRANSIENT_CODES
    if isinstance(exc, ServerError):
        return exc.status_code >= 500 or exc.status_code == 429
    if isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror)):  # refused, reset, DNS
        return True
    return type(exc).__module__.startswith("urllib3")  # timeouts, protocol errors, broken reads


def _reason(exc: BaseException) -> str:
    """A short cause without URLs (urllib3 messages embed the request path and pool repr)."""
    from minio.error import S3Error, ServerError

    if isinstance(exc, S3Error):
        return f"S3 error {exc.code}"
    if isinstance(exc, ServerError):
        return f"HTTP {exc.status_code}"
    inner = getattr(exc, "reason", None) or exc.__context__
    name = type(exc).__name__
    if isinstance(inner, BaseException) and not isinstance(inner, type(exc)):
        name = f"{name} ({type(inner).__name__})"
    text = str(exc)
    for marker in ("Connection refused", "Connection reset", "timed out", "Name or service not known", "No route to host",
                   "Remote end closed", "IncompleteRead", "Connection aborted"):
        if marker.lower() in text.lower():
            return f"{name}: {marker}"
    return name


def call(endpoint: str, where: str, op: Callable[[], T]) -> T:
    """Run one S3 operation with the bounded retry policy; map failures to lingoflow errors."""
    retries, delay = retry_policy()
    with _down_lock:
        down_since = _down.get(endpoint)
    if down_since is not None:
        retries = 0  # known down: one attempt, so a dead server costs seconds, not hours
    attempt = 0
    while True:
        try:
            result = op()
        except Exception as exc:
            if not is_transient(exc):
                mapped = _deterministic(exc, endpoint, where)
                if mapped is None:
                    raise  # not an S3 failure (a full local disk while downloading): as it is
                raise mapped from exc
            if attempt >= retries:
                if down_since is not None:
                    raise StorageUnavailable(f"{where}: S3 endpoint {endpoint} still unreachable ({_reason(exc)}; down for "
                                             f"{time.time() - down_since:.0f} s, one attempt per call until it answers)") from exc
                with _down_lock:
                    _down[endpoint] = time.time()
                raise StorageUnavailable(f"{where}: S3 endpoint {endpoint} unreachable after {attempt + 1} attempt(s): {_reason(exc)}") from exc
            wait = delay * 2 ** attempt
            attempt += 1
            log.warning("%s: S3 endpoint %s: %s; retry %d/%d in %.1f s", where, endpoint, _reason(exc), attempt, retries, wait)
            time.sleep(wait)
            continue
        with _down_lock:
            if _down.pop(endpoint, None) is not None:
                log.warning("S3 endpoint %s answers again", endpoint)
        return result


def _deterministic(exc: BaseException, endpoint: str, where: str) -> Exception | None:
    from minio.error import MinioException, S3Error

    if isinstance(exc, S3Error):
        if exc.code in CREDENTIAL_CODES:
            return InputError(where, f"S3 error {exc.code}: the credentials for {endpoint} are not accepted or lack access "
                                     "(LINGOFLOW_S3_ACCESS_KEY / LINGOFLOW_S3_SECRET_KEY, or the credentials block)")
        return InputError(where, f"S3 error {exc.code}: {exc.message}")
    if isinstance(exc, MinioException) or type(exc).__module__.startswith("urllib3"):
        return ToolError(f"{where}: S3 request failed: {_reason(exc)}")
    return None
