from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from lingoflow import stages
from lingoflow.config import LocalizeOptions
from lingoflow.schema import Transcript

from .retry import RETRIES, RETRY_DELAYS, transient_only


@task(name="translate", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only, cache_policy=NO_CACHE)
def translate(transcript: Transcript, target: str, options: LocalizeOptions, folder: str | None = None) -> Transcript:
    """One target language, segment by segment, keeping the source timings (and a reviewer's edits in folder)."""
    return stages.translate(transcript, target, options, Path(folder) if folder else None)
