"""Cross-worker caps on the heavy stages: `prefect concurrency-limit create asr 2`.

Prefect asks its API for concurrency slots before every task run that carries a tag, whether
or not a limit exists for it, and an embedded API under load answers some of those requests
with 503, which the client sleeps 2 s on before retrying (PrefectHQ/prefect#19367): with a
static tag, every ASR, MT and TTS task paid that, limit or not. So the stage tasks carry no
tag; a file run asks the API once which of the stage tags have a limit, and tags only those.
"""
from __future__ import annotations

import threading
import time


def stage_tags() -> dict[str, str]:
    """Stage kind (its task's name) -> the tag users limit it by, from the stage declarations."""
    from lingoflow.pipeline.plan import STAGES

    return {stage.kind: stage.limit_tag for stage in STAGES if stage.limit_tag}

FRESH_SECONDS = 30.0  # the files of one library run in one process share one answer for this long

_known: tuple[float, str, frozenset[str]] | None = None  # (when, API URL, tags)
_lock = threading.Lock()


def limited_tags() -> set[str]:
    """The stage tags that have an active concurrency limit on the API (one request, shared by
    the file runs of this process for FRESH_SECONDS: a limit created meanwhile applies to the files
    started after that)."""
    global _known
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    api = str(PREFECT_API_URL.value() or "")
    with _lock:
        if _known is not None and _known[1] == api and time.monotonic() - _known[0] < FRESH_SECONDS:
            return set(_known[2])
    with get_client(sync_client=True) as client:
        limits = client.read_global_concurrency_limits(limit=200)
    names = {limit.name for limit in limits if limit.active}
    tags = frozenset(tag for tag in stage_tags().values() if f"tag:{tag}" in names)
    with _lock:
        _known = (time.monotonic(), api, tags)
    return set(tags)
