"""Prefect tasks, one module a stage: retries and logging here, the work in lingoflow.stages."""
from __future__ import annotations


def stage_tasks() -> dict:
    """The task of each stage kind (lingoflow.pipeline: Stage.kind), tagged where a concurrency
    limit asks for it. Imported only when a stage may run: they bring Prefect in."""
    from .burnin import burn_in
    from .captions import write_outputs
    from .diarize import diarize
    from .ingest import ingest
    from .inputcheck import input_check
    from .limits import limited_tags, with_limits
    from .mux import remux
    from .synthesize import synthesize
    from .transcribe import transcribe
    from .translate import translate

    limited = limited_tags()  # one request a file run, instead of one a task run
    tasks = {"ingest": ingest, "transcribe": transcribe, "input-check": input_check, "diarize": diarize, "captions": write_outputs, "translate": translate,
             "synthesize": synthesize, "mux": remux, "burn-in": burn_in}
    return {kind: with_limits(task, limited) for kind, task in tasks.items()}
