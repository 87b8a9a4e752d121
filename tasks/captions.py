from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from lingoflow import stages, writers
from lingoflow.schema import Transcript

from .retry import RETRIES, RETRY_DELAYS, transient_only


@task(name="captions", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only, cache_policy=NO_CACHE)
def write_outputs(transcript: Transcript, folder: str, suffix: str = "", formats: list[str] | None = None,
                  source: Transcript | None = None, max_cps: float | None = None, style: dict | None = None) -> list[str]:
    """The transcript (JSON + text) and its captions (default SRT + WebVTT; see lingoflow/writers) for
    one language (a translation's cues follow its `source`'s speech)."""
    return stages.write_transcript(transcript, Path(folder), suffix) + stages.write_captions(
        transcript, Path(folder), formats or writers.FORMATS, source, max_cps, style)
