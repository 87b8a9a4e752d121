"""The localization flows: a library fans out to one subflow per file, each file runs its stages."""
from __future__ import annotations

import contextvars
import time
from concurrent.futures import ThreadPoolExecutor

from prefect import flow, get_run_logger
from prefect.states import Completed, Failed

from lingoflow.runtime import parallel
from lingoflow.config import LocalizeOptions
from lingoflow.tasks import packed_transcribe_task
from lingoflow.tasks.publish import publish_report
from lingoflow.tasks.review import publish_review

from .fanout import fan_out, item_from_state, report_store
from .languages import decide_unsure, library_languages, library_prior_applies
from .filerun import finish_library, pack_files, plan_library, run_file
from .observe import LibraryWatch, log_stages
from .s3 import s3_config
from . import tuning


@flow(name="localize-file", flow_run_name="{item}", log_prints=True)
def localize_file(source: str, item: str, out: str, options: LocalizeOptions = LocalizeOptions(), refresh: list[str] = [], s3_block: str | None = None,
                  language: dict | None = None, defer_unsure: bool = False):
    """Every stage for one source file; returns its report (a Failed state when it failed).

    Each stage runs only when no result with the same key (source bytes, settings, model,
    code) is recorded, see lingoflow/store/cache.py; `refresh` names stages to run regardless.
    `defer_unsure` and `language`: the library prior's two passes (docs/languages.md).
    """
    report = run_file(source, item, out, options, refresh, s3_block, language=language, defer_unsure=defer_unsure)
    log_stages(get_run_logger(), report)
    if report.status not in ("ok", "deferred"):
        return Failed(message=report.error, data=report.to_dict())
    return Completed(data=report.to_dict())


_file_subflow = tuning.file_subflow(localize_file)  # the library's own file subflows


def _run_files(todo, reports: dict, out: str, options: LocalizeOptions, refresh: list[str], s3_block: str | None, jobs: int, on_done,
               per_file: dict | None = None) -> None:
    """The files as subflows of the library run, `jobs` at once, each in a thread that carries
    the flow's context (so each is this run's subflow in the UI); the pool bounds the files in
    flight (and flows/tuning.file_runs sets how they run)."""
    store = report_store(out, shared=False)

    def run_one(src) -> None:
        state = _file_subflow(src.path, src.item, out, options, refresh, s3_block, **(per_file or {}).get(src.item, {}), return_state=True)
        reports[src.item] = item_from_state(state, src, store)
        on_done(reports[src.item])

    with tuning.file_runs(), ThreadPoolExecutor(max_workers=min(jobs, len(todo)), thread_name_prefix="file") as pool:
        for done in [pool.submit(contextvars.copy_context().run, run_one, src) for src in todo]:
            done.result()


@flow(name="localize-library", log_prints=True)
def localize_library(inputs: list[str], out: str, options: LocalizeOptions = LocalizeOptions(), refresh: list[str] = [],
                     s3_block: str | None = None, file_deployment: str | None = None) -> dict:
    """Localize every media file under the inputs into OUT; write OUT/report.json.

    With `file_deployment` ("localize-file/localize-file"), each file becomes its own run of
    that deployment, so the workers of its pool, on any machines, share the library.
    """
    logger = get_run_logger()
    started = time.perf_counter()
    jobs = parallel.configure(options.jobs)  # before the speech model loads: it is sized for the files in flight
    sources_found, reports = plan_library(inputs, out, options, refresh, s3_block)
    todo = [src for src in sources_found if src.item not in reports]
    logger.info("%d source file(s), targets: %s; %d fully cached, %d to run", len(sources_found),
                ", ".join(options.targets) or "none", len(reports), len(todo))
    watch = LibraryWatch(inputs, out, s3_config([out], s3_block), len(sources_found), logger)  # artifacts and events
    try:
        for report in reports.values():
            watch.file_done(report)
        def run(files, per_file: dict, attempt: str = "") -> None:
            on_done = lambda r: r.status == "deferred" or watch.file_done(r)  # a deferred file is done in its second pass
            if file_deployment:
                reports.update((r.item, r) for r in fan_out(file_deployment, files, out, options, refresh, s3_block, on_done=on_done,
                                                           per_file=per_file, attempt=attempt))
            else:
                _run_files(files, reports, out, options, refresh, s3_block, jobs, on_done, per_file)

        defer = library_prior_applies(options, sources_found, out, s3_block)
        # in-process runs: short files share recognition windows, a group at a time (docs/performance.md)
        groups = [todo] if file_deployment else pack_files(todo, out, options, refresh, s3_block, defer, packed_transcribe_task())
        for files in groups if todo else ():
            run(files, {src.item: {"defer_unsure": True} for src in files} if defer else {})
        unsure = [src for src in todo if reports[src.item].status == "deferred"]
        if unsure:  # the second pass: decided within the languages the others were heard in with confidence
            prior = library_languages(reports.values(), out, s3_block)
            logger.info("%d file(s) of unsure language, decided within the library's languages: %s", len(unsure), ", ".join(prior) or "none")
            run(unsure, {src.item: {"language": decide_unsure(reports[src.item].language_id, prior)} for src in unsure}, attempt="language")
        report = finish_library(sources_found, reports, out, s3_block, started, publish_report, publish_review)
        watch.library_done(report)
    finally:
        watch.close()
    return report
