"""Hand each file of a library to its own deployment run, so workers anywhere share a library.

The library run starts one `localize-file` deployment run per file (any worker of the pool
may take it), waits for all of them, and reads each file's report from the run's result
(a file run returns its report as its result, kept in the ResultStore for runs on any
machine).
"""
from __future__ import annotations

import os
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lingoflow.cache import ResultStore
from lingoflow.config import LocalizeOptions
from lingoflow.library import Source
from lingoflow.report import ItemReport

MAX_WAITING = 64  # file runs started and awaited at once by one library run


def worker_name() -> str:
    """The machine (and LINGOFLOW_WORKER_NAME, when set) that ran a file: report.items[].worker."""
    name = os.environ.get("LINGOFLOW_WORKER_NAME")
    return f"{socket.gethostname()}/{name}" if name else socket.gethostname()


def item_from_state(state, src: Source) -> ItemReport:
    data = state.result(raise_on_failure=False)
    if isinstance(data, dict):
        return ItemReport.from_dict(data)
    # the run itself crashed before producing a report
    source = src.path if src.path.startswith("s3://") else str(Path(src.path).absolute())
    return ItemReport(src.item, source, "failed", f"{type(data).__name__}: {data}")


def record_item_report(out: str, flow_run_id: str, report: dict, s3_config=None) -> None:
    """A file run's report, where the library run that started it can read it back."""
    from lingoflow.storage import write_json

    write_json(ResultStore.for_output(out, s3_config).store, f"runs/{flow_run_id}.json", report)


def start_file_run(deployment: str, params: dict, item: str, timeout: float | None = None):
    """One file's deployment run, started once per library run: the idempotency key makes a
    repeated request (the API client retrying a request a busy server did take) return the run
    already made, where it made a second run of the same file (seen under load in CI)."""
    from prefect.deployments import run_deployment
    from prefect.runtime import flow_run

    return run_deployment(deployment, parameters=params, timeout=timeout, as_subflow=True, idempotency_key=f"{flow_run.id}:{item}")


def fan_out(deployment: str, sources: list[Source], out: str, options: LocalizeOptions, refresh: list[str], s3_block: str | None) -> list[ItemReport]:
    from prefect import get_run_logger

    from lingoflow.storage import read_json

    from .s3 import s3_config

    logger = get_run_logger()
    store = ResultStore.for_output(out, s3_config([out], s3_block)).store

    def one(src: Source) -> ItemReport:
        params = {"source": src.path, "item": src.item, "out": out, "options": options.model_dump(mode="json"),
                  "refresh": list(refresh), "s3_block": s3_block}
        run = start_file_run(deployment, params, src.item)
        data = read_json(store, f"runs/{run.id}.json")
        if isinstance(data, dict):
            return ItemReport.from_dict(data)
        source = src.path if src.path.startswith("s3://") else str(Path(src.path).absolute())
        state = run.state.name if run.state else "unknown"
        return ItemReport(src.item, source, "failed", f"file run {run.name} ended {state} without a report")

    logger.info("handing %d file(s) to deployment %s", len(sources), deployment)
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_WAITING, len(sources)))) as pool:
        return list(pool.map(one, sources))
