from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from lingoflow import stages
from lingoflow.schema import Transcript

from .retry import RETRIES, RETRY_DELAYS, transient_only


@task(name="mux", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only, cache_policy=NO_CACHE)
def remux(ingested: stages.Ingested, transcript: Transcript, targets: list[str], folder: str, stem: str) -> str:
    """The source's streams plus every dub and caption, language-tagged."""
    return stages.remux(ingested, transcript, targets, Path(folder), stem)
