"""The localization flows: a library fans out to one subflow per file, each file runs its stages."""
from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.states import Completed, Failed

from lingoflow import keys, sources, stages
from lingoflow.cache import ResultStore
from lingoflow.config import LocalizeOptions
from lingoflow.errors import InputError, LingoflowError
from lingoflow.incremental import StageRunner, audio_present, check_refresh, fit_from_dict, ingested_from_dict, ingested_to_dict
from lingoflow.outroot import OutputRoot, sweep_partials
from lingoflow.report import ItemReport, run_report
from lingoflow.schema import Transcript
from lingoflow.storage import is_s3
from tasks.captions import write_outputs
from tasks.ingest import ingest
from tasks.mux import remux
from tasks.publish import publish_report
from tasks.synthesize import synthesize
from tasks.transcribe import transcribe
from tasks.translate import translate

from .fanout import fan_out, item_from_state, record_item_report, worker_name
from .s3 import s3_config


def _cause(exc: BaseException, stage: str) -> str:
    if isinstance(exc, InputError):
        return str(exc)
    if isinstance(exc, LingoflowError):
        return f"{stage}: {exc}"
    return f"{stage} failed: {type(exc).__name__}: {exc}"


@flow(name="localize-file", flow_run_name="{item}", log_prints=True)
def localize_file(source: str, item: str, out: str, options: LocalizeOptions = LocalizeOptions(), refresh: list[str] = [], s3_block: str | None = None):
    """Every stage for one source file; returns its report (a Failed state when it failed).

    Each stage runs only when no result with the same key (source bytes, settings, model,
    code) is recorded, see lingoflow/cache.py; `refresh` names stages to run regardless.
    """
    s3 = s3_config([source, out], s3_block)
    root = OutputRoot(out, s3)
    logger = get_run_logger()
    report = ItemReport(item=item, source=source if is_s3(source) else str(Path(source).absolute()), targets=list(options.targets))
    report.worker = worker_name()
    run = StageRunner(report, ResultStore.for_output(out, s3), root, check_refresh(refresh), log=lambda m: logger.info("%s: %s", item, m))
    folder = root.folder(item)
    sweep_partials(folder)
    current = "ingest"
    try:
        ingested = run.run("ingest", keys.ingest(sources.identity(source, s3)),
                           lambda: ingest(sources.local_copy(source, s3), report.source),
                           encode=ingested_to_dict, decode=lambda d: ingested_from_dict(d, report.source), valid=audio_present)
        report.audio_seconds = round(ingested.duration, 3)
        current = "transcribe"
        transcript = run.run("transcribe", keys.transcribe(ingested, options), lambda: transcribe(ingested, options, item),
                             encode=Transcript.to_dict, decode=lambda d: keys.with_source(Transcript.from_dict(d), ingested))
        report.language = transcript.language
        current = "captions"
        report.outputs += _captions(run, root, transcript, folder, item, "")
        for lang in options.targets:
            current = f"translate.{lang}"
            translation = run.run(current, keys.translate(transcript, lang, options), lambda: translate(transcript, lang, options),
                                  encode=Transcript.to_dict, decode=lambda d: keys.with_source(Transcript.from_dict(d), ingested))
            current = f"captions.{lang}"
            report.outputs += _captions(run, root, translation, folder, item, f".{lang}")
            current = f"synthesize.{lang}"
            dub_wav = folder / f"dub.{lang}.wav"
            fit = run.run(current, keys.synthesize(translation, ingested, options, item),
                          lambda: synthesize(translation, ingested, str(folder), options, item),
                          encode=lambda f: f.to_dict(), decode=fit_from_dict, outputs=lambda f: [dub_wav])
            report.dub_fit[lang] = {"segments": fit.segments, "sped_up": fit.sped_up, "max_speed": fit.max_speed, "overflowed": fit.overflowed}
            report.outputs.append(root.rel(dub_wav))
        current = "mux"
        targets = list(options.targets)
        muxed = run.run("mux", keys.mux(ingested, transcript, targets, root.local, item),
                        lambda: root.rel(remux(ingested, transcript, targets, str(folder), item)),
                        outputs=lambda rel: [root.local / rel])
        report.outputs.append(muxed)
    except Exception as exc:  # one file's failure never stops the library
        report.status, report.error = "failed", _cause(exc, current)
        logger.error("%s: %s", item, report.error)
        _publish(root, report, logger, out, s3)
        return Failed(message=report.error, data=report.to_dict())
    _publish(root, report, logger, out, s3)
    return Completed(data=report.to_dict())


def _captions(run: StageRunner, root: OutputRoot, transcript: Transcript, folder: Path, item: str, suffix: str) -> list[str]:
    return run.run(f"captions.{transcript.language}", keys.captions(transcript, suffix, item),
                   lambda: [root.rel(p) for p in write_outputs(transcript, str(folder), suffix)],
                   outputs=lambda rels: [root.local / r for r in rels])


def _publish(root: OutputRoot, report: ItemReport, logger, out: str, s3) -> None:
    """OUT on S3: upload the item's finished outputs (each appears whole, or not at all).
    A deployment run also records its report for the library run that started it."""
    try:
        root.publish(report.outputs)
    except LingoflowError as exc:
        report.status, report.error = "failed", f"publish: {exc}"
        logger.error("%s: %s", report.item, report.error)
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    if ctx and ctx.flow_run and ctx.flow_run.deployment_id:
        record_item_report(out, str(ctx.flow_run.id), report.to_dict(), s3)


@flow(name="localize-library", log_prints=True)
def localize_library(inputs: list[str], out: str, options: LocalizeOptions = LocalizeOptions(), refresh: list[str] = [],
                     s3_block: str | None = None, file_deployment: str | None = None) -> dict:
    """Localize every media file under the inputs into OUT; write OUT/report.json.

    With `file_deployment` ("localize-file/localize-file"), each file becomes its own run of
    that deployment, so the workers of its pool, on any machines, share the library.
    """
    logger = get_run_logger()
    started = time.perf_counter()
    stages.check_targets(options)  # fail fast: before any audio is touched
    check_refresh(refresh)
    s3 = s3_config([*inputs, out], s3_block)
    sources_found = sources.discover_any(inputs, s3)
    logger.info("%d source file(s), targets: %s", len(sources_found), ", ".join(options.targets) or "none")
    root = OutputRoot(out, s3)
    if file_deployment:
        items = fan_out(file_deployment, sources_found, out, options, refresh, s3_block)
    else:
        items = []
        for src in sources_found:
            state = localize_file(src.path, src.item, out, options, refresh, s3_block, return_state=True)
            items.append(item_from_state(state, src))
    report = run_report(items, time.perf_counter() - started)
    local_report = publish_report(report, str(root.local))
    if root.remote is not None:
        root.remote.upload(local_report, "report.json")
    return report
