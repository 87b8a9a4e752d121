from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from lingoflow import burnin

from .retry import RETRIES, RETRY_DELAYS, transient_only


@task(name="burn-in", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only, cache_policy=NO_CACHE)
def burn_in(container: str, captions_srt: str, out_path: str) -> str:
    """A copy of the localized video with one language's captions drawn into the picture."""
    return str(burnin.burn_in(Path(container), Path(captions_srt), Path(out_path)))
