"""Hand each file of a library to its own deployment run, so workers anywhere share a library.

The library run starts one `localize-file` deployment run per file (any worker of the pool
may take it), waits for all of them, and reads each file's report where the file run recorded
it: beside the output's results, which every machine reaches. Subflow file runs record theirs
too, in this machine's cache, read when Prefect returns a final state without its data.
"""
from __future__ import annotations

import contextlib
import contextvars
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lingoflow.store.cache import ResultStore, cache_dir
from lingoflow.config import LocalizeOptions
from lingoflow.errors import LingoflowError
from lingoflow.io.library import Source
from lingoflow.report import ItemReport
from lingoflow.store.storage import LocalStore

MAX_WAITING = 64  # file runs started and awaited at once by one library run


def worker_name() -> str:
    """The machine (and LINGOFLOW_WORKER_NAME, when set) that ran a file: report.items[].worker."""
    name = os.environ.get("LINGOFLOW_WORKER_NAME")
    return f"{socket.gethostname()}/{name}" if name else socket.gethostname()


def item_from_state(state, src: Source, store) -> ItemReport:
    """A file run's report from its final state; when Prefect hands that state back without its
    data (seen under load in CI: a Completed state whose result "is missing", a Failed one read
    as a bare FailedRun, as the server holds them with result persistence off), from the report
    the file run recorded in the ResultStore, so a file's outcome never depends on that race."""
    try:
        data = state.result(raise_on_failure=False)
    except Exception as exc:  # MissingResult: the state came back without its data
        data = exc
    run_id = state.state_details.flow_run_id
    if isinstance(data, dict):
        if run_id is not None:
            with contextlib.suppress(LingoflowError, OSError):  # the record was only a stand-in
                store.delete(_record_key(run_id))
        return ItemReport.from_dict(data)
    try:
        recorded = take_item_report(store, run_id)
    except (LingoflowError, OSError) as exc:  # the file's outcome is unknown, so it failed
        return _crashed(src, f"{type(data).__name__}: {data}; its recorded report is unreadable: {exc}")
    if recorded is not None:
        return recorded
    # the run itself crashed before producing a report
    return _crashed(src, f"{type(data).__name__}: {data}")


def _crashed(src: Source, error: str) -> ItemReport:
    source = src.path if src.path.startswith("s3://") else str(Path(src.path).absolute())
    return ItemReport(src.item, source, "failed", error)


def _record_key(flow_run_id) -> str:
    return f"runs/{flow_run_id}.json"


def report_store(out: str, s3_config=None, shared: bool = True):
    """Where file runs record their reports for the library run that started them: beside the
    output's results when that run may be on another machine (a deployment run), else in this
    machine's cache (a subflow: no S3 round trip for a record read back in the same process)."""
    return ResultStore.for_output(out, s3_config).store if shared else LocalStore(cache_dir())


def record_item_report(store, flow_run_id: str, report: dict) -> None:
    """A file run's report, where the library run that started it can read it back."""
    from lingoflow.store.storage import put_json

    put_json(store, _record_key(flow_run_id), report)


def take_item_report(store, flow_run_id) -> ItemReport | None:
    """The report a file run recorded, removed once read (one record a file run would pile up
    under nightly runs of large libraries); None when there is none."""
    from lingoflow.store.storage import get_json

    if flow_run_id is None:
        return None
    try:
        data = get_json(store, _record_key(flow_run_id))
    except ValueError:  # a damaged record is no record
        data = None
    if data is not None:
        store.delete(_record_key(flow_run_id))
    return ItemReport.from_dict(data) if isinstance(data, dict) else None


def start_file_run(deployment: str, params: dict, item: str, timeout: float | None = None, library_run: str | None = None):
    """One file's deployment run, started once per library run: the idempotency key makes a
    repeated request (the API client retrying a request a busy server did take) return the run
    already made, where it made a second run of the same file (seen under load in CI).
    `library_run`: the library run's id (default: the current flow run's)."""
    from prefect.deployments import run_deployment
    from prefect.runtime import flow_run

    library_run = library_run or flow_run.id
    if not library_run:  # a key without its run would hand one library run another's file runs
        raise LingoflowError("a file run needs the library run that starts it")
    return run_deployment(deployment, parameters=params, timeout=timeout, as_subflow=True, idempotency_key=f"{library_run}:{item}")


def fan_out(deployment: str, sources: list[Source], out: str, options: LocalizeOptions, refresh: list[str], s3_block: str | None,
            on_done=None, per_file: dict | None = None, attempt: str = "") -> list[ItemReport]:
    """Every file's report; `on_done(report)` is called (from a pool thread) as each file finishes.
    `per_file`: each item's own further parameters (the library prior's passes); `attempt`: tells
    a second pass's file runs from the first's (their idempotency keys)."""
    from prefect import get_run_logger
    from prefect.runtime import flow_run

    from .s3 import s3_config

    logger = get_run_logger()
    # read here: the pool's threads see this flow's context only through copies of it, and the
    # id keys each file run to this library run (without it, every CLI run keyed "None:<item>"
    # and was handed the previous run's file runs back)
    library_run = flow_run.id
    store = report_store(out, s3_config([out], s3_block))

    def one(src: Source) -> ItemReport:
        report = file_report(src)
        if on_done is not None:
            on_done(report)
        return report

    def file_report(src: Source) -> ItemReport:
        params = {"source": src.path, "item": src.item, "out": out, "options": options.model_dump(mode="json"),
                  "refresh": list(refresh), "s3_block": s3_block, **(per_file or {}).get(src.item, {})}
        run = start_file_run(deployment, params, f"{src.item}:{attempt}" if attempt else src.item, library_run=library_run)
        recorded = take_item_report(store, run.id)
        if recorded is not None:
            return recorded
        state = run.state.name if run.state else "unknown"
        return _crashed(src, f"file run {run.name} ended {state} without a report")

    logger.info("handing %d file(s) to deployment %s", len(sources), deployment)
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_WAITING, len(sources)))) as pool:
        # each thread runs in a copy of this flow's context: the file runs are its subflows
        return [f.result() for f in [pool.submit(contextvars.copy_context().run, one, src) for src in sources]]
