"""Prefect tasks: one per stage, made from its declaration (lingoflow/pipeline/plan.py STAGES), with
the retry policy of tasks/retry.py; the work itself is the stage's function in lingoflow."""
from __future__ import annotations

from typing import Any, Callable

_tasks: dict[str, Any] = {}  # kind -> its Prefect task, made once a process


def stage_task(kind: str, function: Callable[..., Any] | None = None, **settings: Any):
    """The Prefect task of a stage kind: its function, named after the kind, retried only for
    transient failures, no Prefect result caching (lingoflow's own result store keys every stage).
    `function`/`settings`: another body or other task settings (tests inject faults this way)."""
    from prefect import task
    from prefect.cache_policies import NO_CACHE

    from lingoflow.pipeline.plan import STAGES

    from .retry import RETRIES, RETRY_DELAYS, transient_only

    stage = next(s for s in STAGES if s.kind == kind)
    options = {"name": kind, "retries": RETRIES, "retry_delay_seconds": RETRY_DELAYS, "retry_condition_fn": transient_only,
               "cache_policy": NO_CACHE, **settings}
    return task(**options)(function or stage.function)


def stage_tasks() -> dict:
    """The task of each stage kind, tagged where a concurrency limit asks for it. Imported only
    when a stage may run: they bring Prefect in."""
    from lingoflow.pipeline.plan import STAGES

    from .limits import limited_tags, with_limits

    for stage in STAGES:
        if stage.kind not in _tasks:
            _tasks[stage.kind] = stage_task(stage.kind)
    limited = limited_tags()  # one request a file run, instead of one a task run
    return {kind: with_limits(task, limited) for kind, task in _tasks.items()}
