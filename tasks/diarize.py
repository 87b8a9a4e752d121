from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from lingoflow import speakers, stages
from lingoflow.config import LocalizeOptions
from lingoflow.schema import Transcript

from .retry import RETRIES, RETRY_DELAYS, transient_only


@task(name="diarize", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only, cache_policy=NO_CACHE)
def diarize(transcript: Transcript, ingested: stages.Ingested, options: LocalizeOptions, item: str = "") -> speakers.Diarized:
    """Speaker labels on the transcript (segments split at speaker changes), each speaker cast to a voice profile."""
    return speakers.diarize(transcript, ingested.audio_wav, options, item)
