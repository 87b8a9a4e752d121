"""One file's stages, and the library plan, without Prefect at import time.

The flows (flows/localize.py) call these inside flow runs; the CLI calls `cached_library`
before Prefect is even imported, to answer an all-cached library in a fraction of a second.
"""
from __future__ import annotations

import contextlib
import logging
import sys
import time
from pathlib import Path
from typing import Iterator

from lingoflow.pipeline.checks import check_asr, check_targets
from lingoflow.io import sources
from lingoflow.store.atomic import write_json
from lingoflow.store.cache import ResultStore
from lingoflow.config import LocalizeOptions
from lingoflow.errors import InputError, LingoflowError
from lingoflow.pipeline.runner import NeedsRun, StageRunner, check_refresh
from lingoflow.store.outroot import OutputRoot, sweep_partials
from lingoflow.paths import inside
from lingoflow.pipeline import plan
from lingoflow.pipeline.checks import warm_up_around
from lingoflow.pipeline.stage import HANDOFF, FileWork
from lingoflow.pipeline.transcribe import PACK_GROUP, LanguageDeferred, packing_applies, transcribe_group
from lingoflow.report import ItemReport, RunReport
from lingoflow.review import write_pages
from lingoflow.store.storage import is_s3

from .fanout import record_item_report, report_store, worker_name
from .s3 import s3_config


def _logger():
    """The run's logger inside a flow; lingoflow's own outside one (the CLI's cached fast path,
    which never imports Prefect: a flow needs it imported, so its absence means no flow)."""
    if "prefect" not in sys.modules:
        return logging.getLogger("lingoflow")
    from prefect import get_run_logger
    from prefect.context import FlowRunContext

    return get_run_logger() if FlowRunContext.get() else logging.getLogger("lingoflow")


def _cause(exc: BaseException, stage: str) -> str:
    if isinstance(exc, InputError):
        return str(exc)
    if isinstance(exc, LingoflowError):
        return f"{stage}: {exc}"
    return f"{stage} failed: {type(exc).__name__}: {exc}"


def reuse_file(source: str, item: str, out: str, options: LocalizeOptions, refresh: list[str], s3_block: str | None) -> dict | None:
    """The file's report when every stage's result is recorded and its outputs are in place,
    without starting a file run (a file run costs ~0.1-1 s of orchestration); else None."""
    try:
        report = run_file(source, item, out, options, refresh, s3_block, dry=True)
    except NeedsRun:
        return None
    return report.to_dict() if report.status == "ok" else None


def run_file(source: str, item: str, out: str, options: LocalizeOptions, refresh: list[str], s3_block: str | None, dry: bool = False,
             language: dict | None = None, defer_unsure: bool = False) -> ItemReport:
    """Every stage of one file (lingoflow.pipeline.plan) through its Prefect task, each unless
    its result is recorded; dry: only reuse (NeedsRun at the first stage that would run;
    Prefect is not imported). `defer_unsure`: a library's first pass, where a file whose
    language is unsure stops after its language is heard (status "deferred"); `language`: the
    library's decision for such a file, in its second pass (docs/languages.md)."""
    tasks = None if dry else _stage_tasks()
    work, run = _file_work(source, item, out, options, refresh, s3_block, dry, language, defer_unsure)
    report, root, s3, logger = work.report, work.root, work.s3, work.log
    sweep_partials(work.folder)
    current = "ingest"
    try:
        for stage in plan.file_stages(work):
            current = stage.name(work)
            with contextlib.nullcontext() if dry else warm_up_around(stage.kind, options, item, lambda: _heard_speech(work, current)):
                run.stage(stage, work, None if dry else tasks[stage.kind])
    except LanguageDeferred as deferred:  # left for the library to decide: not a failure, no outputs yet
        report.status, report.language_id = "deferred", deferred.language_id
        report.language = (deferred.language_id or {}).get("language")
        logger.info("%s: language unsure (%s), decided with the library's", item, report.language_id)
    except Exception as exc:  # one file's failure never stops the library
        report.status, report.error = "failed", _cause(exc, current)
        logger.error("%s: %s", item, report.error)
    _publish(root, report, logger, out, s3, dry)
    return report


def _file_work(source: str, item: str, out: str, options: LocalizeOptions, refresh: list[str], s3_block: str | None, dry: bool = False,
               language: dict | None = None, defer_unsure: bool = False) -> tuple[FileWork, StageRunner]:
    """A file's run as its stages see it, and the runner that runs or reuses them."""
    s3 = s3_config([source, out], s3_block)
    logger = _logger()
    report = ItemReport(item=item, source=source if is_s3(source) else str(Path(source).absolute()), targets=list(options.targets))
    report.worker = worker_name()
    run = StageRunner(report, ResultStore.for_output(out, s3), OutputRoot(out, s3), check_refresh(refresh),
                      log=lambda m: logger.debug("%s: %s", item, m), dry=dry)
    return FileWork(source, item, options, run.root, report, s3, logger, defer_unsure=defer_unsure, language=language), run


def pack_files(todo, out: str, options: LocalizeOptions, refresh: list[str], s3_block: str | None, defer_unsure: bool = False,
               run_group=None) -> Iterator[list]:
    """The short files of `todo` transcribed together (pipeline/transcribe.py transcribe_group),
    PACK_GROUP at a time, each group just before its files run: yields each group's files, its
    results handed to their runs. `run_group`: the group step (a Prefect task in a flow)."""
    if not packing_applies(options, set(check_refresh(refresh))) or len(todo) < 2:
        yield list(todo)
        return
    for at in range(0, len(todo), PACK_GROUP):
        files = todo[at:at + PACK_GROUP]
        group = [_file_work(src.path, src.item, out, options, refresh, s3_block, defer_unsure=defer_unsure) for src in files]
        handed = (run_group or transcribe_group)(group)
        try:
            yield files
        finally:
            HANDOFF.discard(handed)


def _heard_speech(work: FileWork, name: str) -> bool:
    """Whether the stage just ran (not reused) and the transcript holds speech."""
    return not work.report.stages[name].cached and bool(work.transcript and work.transcript.segments)


def _stage_tasks() -> dict:
    """The stage tasks (imported only when a stage may run: they bring Prefect in)."""
    from lingoflow.tasks import stage_tasks

    from .tuning import limited_tags

    return stage_tasks(limited_tags())


def _publish(root: OutputRoot, report: ItemReport, logger, out: str, s3, dry: bool) -> None:
    """OUT on S3: upload the item's finished outputs (each appears whole, or not at all).
    A file run also records its report for the library run that started it (flows/fanout.py)."""
    try:
        root.publish(report.outputs)
    except LingoflowError as exc:
        report.status, report.error = "failed", f"publish: {exc}"
        logger.error("%s: %s", report.item, report.error)
    if dry:
        return
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    run = ctx.flow_run if ctx else None
    if run and (run.deployment_id or run.parent_task_run_id):  # a deployment run, or a library's subflow
        try:
            record_item_report(report_store(out, s3, shared=bool(run.deployment_id)), str(run.id), report.to_dict())
        except (LingoflowError, OSError) as exc:  # its library run still has the run's state
            logger.warning("%s: cannot record the file's report: %s", report.item, exc)


_planned: dict[str, tuple] = {}  # the CLI's plan, handed to the flow it starts in this process


def _plan_id(inputs: list[str], out: str, options: LocalizeOptions, refresh: list[str], s3_block: str | None) -> str:
    return repr((inputs, out, options.model_dump_json(), refresh, s3_block))


def plan_library(inputs: list[str], out: str, options: LocalizeOptions, refresh: list[str], s3_block: str | None, on_work=None):
    """The library's files, and the reports of those whose every stage is recorded with its
    outputs in place: these need no file run at all. `on_work` is called once, as soon as a
    file is found that must run (the CLI starts the embedded API then, and the speech model's load,
    which it waits for before its flow: the model is then not loaded here)."""
    planned = _planned.pop(_plan_id(inputs, out, options, refresh, s3_block), None)
    loads_asr = on_work is None
    if planned is not None:  # planned a moment ago by the CLI, in this process: not again
        return planned
    check_targets(options)  # fail fast: before any audio is touched
    # the model loads only when a file will need it (an all-cached re-run is faster without);
    # nothing is reused from an OUT that does not exist yet, so then it loads before OUT is made
    fresh = not is_s3(out) and not Path(out).is_dir()
    if fresh and on_work:
        on_work()  # every file must run
        on_work = None
    check_asr(options, load=fresh and loads_asr)
    check_refresh(refresh)
    s3 = s3_config([*inputs, out], s3_block)
    sources.check_s3_access([*inputs, out], s3)
    sources_found = sources.discover_any(inputs, s3, exclude=[] if is_s3(out) else [out])
    if not is_s3(out):
        sweep_partials(out)  # a report.json temporary of a killed run
    reports: dict[str, ItemReport] = {}
    for src in sources_found:
        reused = None if fresh else reuse_file(src.path, src.item, out, options, refresh, s3_block)  # (nor makes OUT)
        if reused is not None:
            reports[src.item] = ItemReport.from_dict(reused)
        elif on_work:
            on_work()  # the first file that must run
            on_work = None
    if len(reports) < len(sources_found):
        if loads_asr:
            check_asr(options)  # a damaged model fails here, still before any audio is decoded
    return sources_found, reports


def finish_library(sources_found, reports: dict[str, ItemReport], out: str, s3_block: str | None, started: float, publish=None,
                   publish_pages=None) -> dict:
    """OUT/report.json and the review pages (uploaded when OUT is on S3); `publish` and
    `publish_pages` are the tasks, or None to write directly (no Prefect)."""
    root = OutputRoot(out, s3_config([out], s3_block))
    report = RunReport.of([reports[src.item] for src in sources_found], time.perf_counter() - started).to_dict()
    local_report = publish(report, str(root.local)) if publish else str(write_json(inside(root.local, "report.json"), report))
    pages = publish_pages(report, str(root.local)) if publish_pages else [str(p) for p in write_pages(report, str(root.local))]
    if root.remote is not None:
        try:
            for page in pages:
                root.remote.upload(page, root.rel(page))
            root.remote.upload(local_report, "report.json")  # last: its presence means the run's outputs are up
        except LingoflowError as exc:
            # the outputs already uploaded stay (each is whole); the report is kept here for the user
            report["publish_error"] = f"{exc}; the report is kept at {local_report}, and a re-run uploads what is missing"
            write_json(Path(local_report), report)
            _logger().error("%s", report["publish_error"])
    return report


def cached_library(inputs: list[str], out: str, options: LocalizeOptions, refresh: list[str] = [], s3_block: str | None = None,
                   on_work=None) -> dict | None:
    """The run's report when every file is fully cached, computed without Prefect's API
    (the CLI's fast path: it saves the embedded API's start-up); None when any file must run,
    and then the plan is kept for the flow this process starts next (nothing is planned twice)."""
    started = time.perf_counter()
    plan = plan_library(inputs, out, options, refresh, s3_block, on_work=on_work)
    sources_found, reports = plan
    if not sources_found or len(reports) < len(sources_found):
        _planned[_plan_id(inputs, out, options, refresh, s3_block)] = plan
        return None
    return finish_library(sources_found, reports, out, s3_block, started)
