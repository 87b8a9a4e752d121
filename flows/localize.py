"""The localization flows: a library fans out to one subflow per file, each file runs its stages."""
from __future__ import annotations

import contextlib
import time
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.states import Completed, Failed

from lingoflow import progress, stages
from lingoflow.atomic import remove_stale_parts
from lingoflow.config import LocalizeOptions
from lingoflow.errors import InputError, LingoflowError
from lingoflow.library import discover
from lingoflow.paths import inside
from lingoflow.report import ItemReport, StageReport, run_report
from tasks.captions import write_outputs
from tasks.diarize import diarize
from tasks.ingest import ingest
from tasks.mux import remux
from tasks.publish import publish_report
from tasks.review import publish_review
from tasks.synthesize import synthesize
from tasks.transcribe import transcribe
from tasks.translate import translate


@contextlib.contextmanager
def _stage(report: ItemReport, name: str):
    progress.emit(report.item, name, 0.0)
    started = time.perf_counter()
    try:
        yield
    finally:
        report.stages[name] = StageReport(round(time.perf_counter() - started, 3), cached=False)
        progress.emit(report.item, name, 1.0)


def _cause(exc: BaseException, stage: str) -> str:
    if isinstance(exc, InputError):
        return str(exc)
    if isinstance(exc, LingoflowError):
        return f"{stage}: {exc}"
    return f"{stage} failed: {type(exc).__name__}: {exc}"


@flow(name="localize-file", flow_run_name="{item}", log_prints=True)
def localize_file(source: str, item: str, out: str, options: LocalizeOptions = LocalizeOptions()):
    """Every stage for one source file; returns its report (a Failed state when it failed)."""
    report = ItemReport(item=item, source=str(Path(source).absolute()), targets=list(options.targets))
    folder = str(inside(out, item))
    remove_stale_parts(folder)  # temporaries of a run that was killed while writing
    current = "ingest"
    try:
        with _stage(report, "ingest"):
            ingested = ingest(source)
        report.audio_seconds = round(ingested.duration, 3)
        current = "transcribe"
        with _stage(report, "transcribe"):
            transcript = transcribe(ingested, options, item)
        report.language = transcript.language
        current = "diarize"
        with _stage(report, "diarize"):
            diarized = diarize(transcript, ingested, options, item)
        transcript = diarized.transcript
        report.speakers = diarized.report()
        current = "captions"
        with _stage(report, f"captions.{transcript.language}"):
            report.outputs += write_outputs(transcript, folder)
        for lang in options.targets:
            current = f"translate.{lang}"
            with _stage(report, current):
                translation = translate(transcript, lang, options, folder)
            if options.glossaries:
                report.glossary[lang] = stages.glossary_summary(translation)
            with _stage(report, f"captions.{lang}"):
                report.outputs += write_outputs(translation, folder, f".{lang}")
            current = f"synthesize.{lang}"
            with _stage(report, current):
                fit = synthesize(translation, ingested, folder, options, item, diarized)
            report.dub_fit[lang] = fit.summary()
            report.outputs += [str(Path(folder) / f"dub.{lang}.wav"), str(Path(folder) / f"dub.{lang}.fit.json")]
            report.edited[lang] = [s.id for s in translation.segments if s.edited]
            report.resynthesized[lang] = list(fit.resynthesized)
        current = "mux"
        with _stage(report, "mux"):
            report.outputs.append(remux(ingested, transcript, list(options.targets), folder, item))
    except Exception as exc:  # one file's failure never stops the library
        report.status, report.error = "failed", _cause(exc, current)
        get_run_logger().error("%s: %s", item, report.error)
        return Failed(message=report.error, data=report.to_dict())
    report.outputs = [str(Path(p).relative_to(Path(out).resolve())) for p in report.outputs]
    return Completed(data=report.to_dict())


@flow(name="localize-library", log_prints=True)
def localize_library(inputs: list[str], out: str, options: LocalizeOptions = LocalizeOptions()) -> dict:
    """Localize every media file under the inputs into OUT; write OUT/report.json."""
    logger = get_run_logger()
    started = time.perf_counter()
    stages.check_targets(options)  # fail fast: before any audio is touched
    stages.check_asr(options)
    sources = discover(inputs, exclude=[out])
    logger.info("%d source file(s), targets: %s", len(sources), ", ".join(options.targets) or "none")
    Path(out).mkdir(parents=True, exist_ok=True)
    remove_stale_parts(out)  # a report.json temporary of a killed run
    items: list[ItemReport] = []
    for src in sources:
        state = localize_file(src.path, src.item, out, options, return_state=True)
        data = state.result(raise_on_failure=False)
        if isinstance(data, dict):
            items.append(ItemReport.from_dict(data))
        else:  # the subflow itself crashed before producing a report
            items.append(ItemReport(src.item, str(Path(src.path).absolute()), "failed", f"{type(data).__name__}: {data}"))
    report = run_report(items, time.perf_counter() - started)
    publish_report(report, out)
    publish_review(report, out)
    return report
