"""Cross-worker caps on the heavy stages: `prefect concurrency-limit create asr 2`.

Prefect asks its API for concurrency slots before every task run that carries a tag, whether
or not a limit exists for it, and an embedded API under load answers some of those requests
with 503, which the client sleeps 2 s on before retrying (PrefectHQ/prefect#19367): with a
static tag, every ASR, MT and TTS task paid that, limit or not. So the stage tasks carry no
tag; a file run asks the API once which of the stage tags have a limit, and tags only those.
"""
from __future__ import annotations

STAGE_TAGS = {"transcribe": "asr", "translate": "mt", "synthesize": "tts"}  # task name -> tag users limit


def limited_tags() -> set[str]:
    """The stage tags that have an active concurrency limit on the API (one request)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        limits = client.read_global_concurrency_limits(limit=200)
    names = {limit.name for limit in limits if limit.active}
    return {tag for tag in STAGE_TAGS.values() if f"tag:{tag}" in names}


def with_limits(task, limited: set[str]):
    """The task, tagged when its stage's tag has a limit (Prefect then holds a slot while it runs)."""
    tag = STAGE_TAGS.get(task.name)
    return task.with_options(tags=[tag]) if tag and tag in limited else task
