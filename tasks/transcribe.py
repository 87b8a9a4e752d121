from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from lingoflow import stages
from lingoflow.config import LocalizeOptions
from lingoflow.schema import Transcript

from .retry import RETRIES, RETRY_DELAYS, transient_only


@task(name="transcribe", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only, cache_policy=NO_CACHE)
def transcribe(ingested: stages.Ingested, options: LocalizeOptions, item: str = "", defer_unsure: bool = False) -> Transcript:
    """Speech to timed text with faster-whisper (model loaded once per process); the engines the
    next stages need load meanwhile once speech is heard (here, not in the stage: they are not part
    of a transcript's code identity), or after it when the stage reported none on the way."""
    with stages.warm_once_speech_is_heard(options, item):
        transcript = stages.transcribe(ingested, options, item, defer_unsure=defer_unsure)
    if transcript.segments:
        stages.warm_during_recognition(options)
    return transcript
