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


def stage_tasks(limited: set[str] | None = None) -> dict:
    """The task of each stage kind, carrying its stage's concurrency tag (`limit_tag`, for
    `prefect concurrency-limit create <tag> N`): every declared tag, or only those in `limited`
    (the flows ask the API which tags have a limit: flows/tuning). Imported only when a stage may
    run: they bring Prefect in."""
    from lingoflow.pipeline.plan import STAGES

    tasks = {}
    for stage in STAGES:
        if stage.kind not in _tasks:
            _tasks[stage.kind] = stage_task(stage.kind)
        task, tag = _tasks[stage.kind], stage.limit_tag
        tasks[stage.kind] = task.with_options(tags=[tag]) if tag and (limited is None or tag in limited) else task
    return tasks


def packed_transcribe_task():
    """The transcribe stage's group step (pipeline/transcribe.py transcribe_group) as a Prefect
    task of the library run: the short files it decodes together show there, each file's own
    transcribe task in its run."""
    from prefect import task
    from prefect.cache_policies import NO_CACHE

    from lingoflow.pipeline.transcribe import transcribe_group

    if "transcribe-packed" not in _tasks:
        _tasks["transcribe-packed"] = task(name="transcribe-packed", cache_policy=NO_CACHE)(transcribe_group)
    return _tasks["transcribe-packed"]
