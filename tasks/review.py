from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from lingoflow.review import write_pages

from .retry import RETRIES, RETRY_DELAYS, transient_only


@task(name="publish-review", retries=RETRIES, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient_only, cache_policy=NO_CACHE)
def publish_review(report: dict, out: str) -> list[str]:
    """OUT/report.html and OUT/<item>/review.html: static pages for a reviewer, replaced atomically."""
    return [str(p) for p in write_pages(report, out)]
