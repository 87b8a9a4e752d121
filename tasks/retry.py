"""Retry policy shared by the stage tasks: transient failures retry, bad input never does."""
from __future__ import annotations

from lingoflow.errors import is_deterministic

RETRIES = 2
RETRY_DELAYS = [2, 10]


def transient_only(task, task_run, state) -> bool:
    """Prefect retry_condition_fn: False for errors that the same input would raise again."""
    try:
        state.result()
    except Exception as exc:  # the task's own exception
        return not is_deterministic(exc)
    return True
