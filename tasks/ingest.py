from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from lingoflow import stages

from .retry import RETRIES, RETRY_DELAYS, transient_only


@task(name="ingest", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only, cache_policy=NO_CACHE)
def ingest(path: str, uri: str | None = None) -> stages.Ingested:
    """Probe, hash and decode one source to 16 kHz mono."""
    return stages.ingest(path, uri)
