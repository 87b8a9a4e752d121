from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from lingoflow import stages
from lingoflow.config import LocalizeOptions
from lingoflow.dub import FitStats
from lingoflow.schema import Transcript
from lingoflow.speakers import Diarized

from .retry import RETRIES, RETRY_DELAYS, transient_only


@task(name="synthesize", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only, cache_policy=NO_CACHE)
def synthesize(
    translation: Transcript, ingested: stages.Ingested, folder: str, options: LocalizeOptions, item: str = "", diarized: Diarized | None = None
) -> FitStats:
    """The full-length dub track for one language, each speaker in their cast voice."""
    return stages.synthesize(translation, ingested, Path(folder), options, item, diarized)
