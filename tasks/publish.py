from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from lingoflow.store.atomic import write_json
from lingoflow.paths import inside

from .retry import RETRIES, RETRY_DELAYS, transient_only


@task(name="publish-report", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only, cache_policy=NO_CACHE)
def publish_report(report: dict, out: str) -> str:
    """OUT/report.json, replaced atomically."""
    return str(write_json(inside(out, "report.json"), report))
