"""One file's stages, and the library plan, without Prefect at import time.

The flows (flows/localize.py) call these inside flow runs; the CLI calls `cached_library`
before Prefect is even imported, to answer an all-cached library in a fraction of a second.
"""
from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from lingoflow import burnin, keys, parallel, sidecar, sources, stages
from lingoflow.atomic import write_json
from lingoflow.cache import ResultStore
from lingoflow.config import LocalizeOptions
from lingoflow.errors import ConfigError, InputError, LingoflowError
from lingoflow.incremental import (NeedsRun, StageRunner, audio_present, check_refresh, diarized_from_dict, diarized_to_dict, fit_from_dict,
                                   ingested_from_dict, ingested_to_dict)
from lingoflow.outroot import OutputRoot, sweep_partials
from lingoflow.paths import inside
from lingoflow.report import ItemReport, run_report
from lingoflow.review import write_pages
from lingoflow.schema import Transcript
from lingoflow.storage import is_s3

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


def run_file(source: str, item: str, out: str, options: LocalizeOptions, refresh: list[str], s3_block: str | None, dry: bool = False) -> ItemReport:
    """Every stage of one file through its Prefect task, each unless its result is recorded;
    dry: only reuse (NeedsRun at the first stage that would run; Prefect is not imported)."""
    t = None if dry else _tasks()
    s3 = s3_config([source, out], s3_block)
    root = OutputRoot(out, s3)
    logger = _logger()
    report = ItemReport(item=item, source=source if is_s3(source) else str(Path(source).absolute()), targets=list(options.targets))
    report.worker = worker_name()
    run = StageRunner(report, ResultStore.for_output(out, s3), root, check_refresh(refresh), log=lambda m: logger.debug("%s: %s", item, m), dry=dry)
    folder = root.folder(item)
    sweep_partials(folder)
    current = "ingest"
    try:
        ingested = run.run("ingest", keys.ingest(sources.identity(source, s3)),
                           lambda: t.ingest(sources.local_copy(source, s3), report.source),
                           encode=ingested_to_dict, decode=lambda d: ingested_from_dict(d, report.source), valid=audio_present)
        report.audio_seconds = round(ingested.duration, 3)
        current = "transcribe"
        transcript = run.run("transcribe", keys.transcribe(ingested, options), lambda: _recognize(t, ingested, options, item),
                             encode=Transcript.to_dict, decode=lambda d: keys.with_source(Transcript.from_dict(d), ingested))
        report.language = transcript.language
        report.text_source = transcript.text_source
        for line in sidecar.describe(transcript.text_source):
            (logger.warning if " rejected: " in line else logger.info)("%s: %s", item, line)
        current = "diarize"
        diarized = run.run("diarize", keys.diarize(transcript, ingested, options), lambda: t.diarize(transcript, ingested, options, item),
                           encode=diarized_to_dict, decode=lambda d: diarized_from_dict(d, ingested))
        transcript = diarized.transcript
        report.speakers = diarized.report()
        current = "captions"
        report.outputs += _captions(run, t, root, transcript, folder, item, "", options)
        for lang in options.targets:
            if lang == transcript.language:
                translation = transcript  # a target in the spoken language: the source re-voiced, nothing translated
            else:
                current = f"translate.{lang}"
                translation = run.run(current, keys.translate(transcript, lang, options, folder), lambda: t.translate(transcript, lang, options, str(folder)),
                                      encode=Transcript.to_dict, decode=lambda d: keys.with_source(Transcript.from_dict(d), ingested))
                if options.glossaries:
                    report.glossary[lang] = stages.glossary_summary(translation)
                current = f"captions.{lang}"
                report.outputs += _captions(run, t, root, translation, folder, item, f".{lang}", options, transcript)
            current = f"synthesize.{lang}"
            dub_wav, fit_json = folder / f"dub.{lang}.wav", folder / f"dub.{lang}.fit.json"
            fit = run.run(current, keys.synthesize(translation, ingested, options, item, diarized),
                          lambda: t.synthesize(translation, ingested, str(folder), options, item, diarized),
                          encode=lambda f: f.to_dict(), decode=fit_from_dict, outputs=lambda f: [dub_wav, fit_json])
            report.dub_fit[lang] = fit.summary()
            report.outputs += [root.rel(dub_wav), root.rel(fit_json)]
            report.edited[lang] = [s.id for s in translation.segments if s.edited]
            report.resynthesized[lang] = list(fit.resynthesized) if not run.report.stages[current].cached else []
        current = "mux"
        targets = list(options.targets)
        muxed = run.run("mux", keys.mux(ingested, transcript, targets, root.local, item),
                        lambda: root.rel(t.remux(ingested, transcript, targets, str(folder), item)),
                        outputs=lambda rel: [root.local / rel])
        report.outputs.append(muxed)
        if options.burn_in and ingested.info.has_video:
            current = f"burn-in.{options.burn_in}"
            report.outputs.append(_burn_in(run, t, root, root.local / muxed, folder, item, options.burn_in, [transcript.language, *targets]))
    except Exception as exc:  # one file's failure never stops the library
        report.status, report.error = "failed", _cause(exc, current)
        logger.error("%s: %s", item, report.error)
    _publish(root, report, logger, out, s3, dry)
    return report


def _recognize(t, ingested, options: LocalizeOptions, item: str) -> Transcript:
    """The transcribe task, once this file's turn at the cores comes (--jobs: files in flight
    take turns at speech recognition; the task run starts when its recognition does)."""
    with parallel.asr_slot():
        return t.transcribe(ingested, options, item)


def _captions(run: StageRunner, t, root: OutputRoot, transcript: Transcript, folder: Path, item: str, suffix: str, options: LocalizeOptions,
              source: Transcript | None = None) -> list[str]:
    """One language's transcript and caption files; a translation's `source` is the transcript it translates."""
    formats = list(options.formats)
    return run.run(f"captions.{transcript.language}", keys.captions(transcript, suffix, item, formats, source, options.max_cps),
                   lambda: [root.rel(p) for p in t.write_outputs(transcript, str(folder), suffix, formats, source, options.max_cps)],
                   outputs=lambda rels: [root.local / r for r in rels])


def _burn_in(run: StageRunner, t, root: OutputRoot, container: Path, folder: Path, item: str, lang: str, languages: list[str]) -> str:
    if lang not in languages:
        raise ConfigError(f"no captions in {lang!r} to burn in (the source is {languages[0]!r}, targets: {', '.join(languages[1:]) or 'none'})")
    srt, out = folder / f"captions.{lang}.srt", folder / burnin.output_name(item, lang, container)
    return run.run(f"burn-in.{lang}", keys.burn_in(container, srt, item), lambda: root.rel(t.burn_in(str(container), str(srt), str(out))),
                   outputs=lambda rel: [root.local / rel])


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


def _tasks():
    """The stage tasks (imported only when a stage may run: they bring Prefect in)."""
    from types import SimpleNamespace

    from lingoflow.tasks.burnin import burn_in
    from lingoflow.tasks.captions import write_outputs
    from lingoflow.tasks.diarize import diarize
    from lingoflow.tasks.ingest import ingest
    from lingoflow.tasks.mux import remux
    from lingoflow.tasks.synthesize import synthesize
    from lingoflow.tasks.transcribe import transcribe
    from lingoflow.tasks.limits import limited_tags, with_limits
    from lingoflow.tasks.translate import translate

    limited = limited_tags()  # one request a file run, instead of one a task run
    transcribe, translate, synthesize = (with_limits(t, limited) for t in (transcribe, translate, synthesize))
    return SimpleNamespace(ingest=ingest, transcribe=transcribe, diarize=diarize, write_outputs=write_outputs, translate=translate,
                           synthesize=synthesize, remux=remux, burn_in=burn_in)


_planned: dict[str, tuple] = {}  # the CLI's plan, handed to the flow it starts in this process


def _plan_id(inputs: list[str], out: str, options: LocalizeOptions, refresh: list[str], s3_block: str | None) -> str:
    return repr((inputs, out, options.model_dump_json(), refresh, s3_block))


def plan_library(inputs: list[str], out: str, options: LocalizeOptions, refresh: list[str], s3_block: str | None, on_work=None):
    """The library's files, and the reports of those whose every stage is recorded with its
    outputs in place: these need no file run at all. `on_work` is called once, as soon as a
    file is found that must run (the CLI starts the embedded API then)."""
    planned = _planned.pop(_plan_id(inputs, out, options, refresh, s3_block), None)
    warm = on_work is not None
    if planned is not None:  # planned a moment ago by the CLI, in this process: not again
        return planned
    stages.check_targets(options)  # fail fast: before any audio is touched
    # the model loads only when a file will need it (an all-cached re-run is faster without);
    # nothing is reused from an OUT that does not exist yet, so then it loads before OUT is made
    fresh = not is_s3(out) and not Path(out).is_dir()
    if fresh and on_work:
        on_work()  # every file must run
        on_work = None
    stages.check_asr(options, load=fresh)
    check_refresh(refresh)
    s3 = s3_config([*inputs, out], s3_block)
    sources.check_s3_access([*inputs, out], s3)
    sources_found = sources.discover_any(inputs, s3, exclude=[] if is_s3(out) else [out])
    if not is_s3(out):
        sweep_partials(out)  # a report.json temporary of a killed run
    reports: dict[str, ItemReport] = {}
    for src in sources_found:
        reused = reuse_file(src.path, src.item, out, options, refresh, s3_block)
        if reused is not None:
            reports[src.item] = ItemReport.from_dict(reused)
        elif on_work:
            on_work()  # the first file that must run
            on_work = None
    if len(reports) < len(sources_found):
        # a damaged model fails here, still before any audio is decoded; while the embedded
        # API starts (the CLI), the other engines load too
        (stages.warm_up if warm else stages.check_asr)(options)
    return sources_found, reports


def finish_library(sources_found, reports: dict[str, ItemReport], out: str, s3_block: str | None, started: float, publish=None,
                   publish_pages=None) -> dict:
    """OUT/report.json and the review pages (uploaded when OUT is on S3); `publish` and
    `publish_pages` are the tasks, or None to write directly (no Prefect)."""
    root = OutputRoot(out, s3_config([out], s3_block))
    report = run_report([reports[src.item] for src in sources_found], time.perf_counter() - started)
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
