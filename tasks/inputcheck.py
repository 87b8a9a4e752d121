from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from lingoflow.pipeline import inputcheck
from lingoflow.quality.input_checks import InputQuality


@task(name="input-check", cache_policy=NO_CACHE)
def input_check(audio_wav: str, regions: list[tuple[float, float]]) -> InputQuality:
    """Bandwidth, clipping, speech level, SNR and speech share of the ingested audio; named warnings."""
    return inputcheck.check(audio_wav, regions)
