"""S3/MinIO credentials for the flows: a prefect-aws MinIOCredentials block, else the environment.

The core (lingoflow.store.storage) reads only the environment; a block is resolved here, in the
Prefect layer, and handed down as an S3Config. Secrets are never logged.
"""
from __future__ import annotations

import os
from urllib.parse import urlparse

from lingoflow.errors import ConfigError
from lingoflow.store.storage import S3Config, is_s3


def s3_config(uris: list[str], block: str | None = None) -> S3Config | None:
    """None when nothing is on S3 or the environment configures it (the core reads it then)."""
    block = block or os.environ.get("LINGOFLOW_S3_BLOCK") or None
    if not any(is_s3(u) for u in uris):
        return None
    if not block:
        return S3Config.from_env()  # a clear error now, before any file, when it is missing
    try:
        from prefect_aws import MinIOCredentials
    except ImportError as exc:  # pragma: no cover - prefect-aws is a dependency
        raise ConfigError("an S3 credentials block needs prefect-aws (pip install prefect-aws)") from exc
    try:
        creds = MinIOCredentials.load(block)
    except ValueError as exc:
        raise ConfigError(f"MinIOCredentials block {block!r} not found: {exc}") from exc
    url = (creds.aws_client_parameters.endpoint_url or "") if creds.aws_client_parameters else ""
    if not url:
        raise ConfigError(f"MinIOCredentials block {block!r} has no aws_client_parameters.endpoint_url")
    parsed = urlparse(url if "://" in url else f"https://{url}")
    return S3Config(parsed.netloc, creds.minio_root_user, creds.minio_root_password.get_secret_value(),
                    parsed.scheme == "https", creds.region_name)
