"""The `lingoflow` command line. Prefect is imported only once a command runs, after its
logging settings are chosen, so `--help` is instant and the progress bars stay readable."""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from lingoflow.errors import ConfigError, LingoflowError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Batch media localization: transcripts, captions, translations, dubs.")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


ENGINE_REGISTRIES = {"asr": "lingoflow.asr.registry", "mt": "lingoflow.mt.registry", "tts": "lingoflow.dub.tts.registry",
                     "diarize": "lingoflow.speakers.diarize.registry"}


def _registered(kind: str) -> str:
    """The names a registry holds, for the options' help: a new engine or format shows up here
    from its registry line alone (tests/test_registries.py)."""
    if kind == "formats":
        from lingoflow.captions.writers import CAPTION_FORMATS

        return ", ".join(CAPTION_FORMATS)
    if kind == "stages":
        from lingoflow.pipeline.runner import stage_kinds

        return ", ".join(stage_kinds())
    from importlib import import_module

    return ", ".join(import_module(ENGINE_REGISTRIES[kind]).ENGINES)


def _prefect_env(verbose: bool) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # the embedded API takes 5-25 s to start on a busy 2-core machine (bench/rerun.py); Prefect's
    # default 20 s limit then fails the whole run before any file
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # lingoflow's own warnings (S3 retries) go to the flow run's logs, in the UI too
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "lingoflow")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


class _Bars:
    """Rich progress: one bar per file, showing its current stage."""

    def __init__(self, console):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(), console=console)
        self.tasks: dict[str, int] = {}

    def __call__(self, item: str, stage: str, fraction: float) -> None:
        if item not in self.tasks:
            self.tasks[item] = self.progress.add_task(item, total=1.0)
        self.progress.update(self.tasks[item], description=f"{item} [dim]{stage}[/]", completed=fraction)


def localize(
    inputs: list[str] = typer.Argument(..., help="files or folders (walked recursively)"),
    out: str = typer.Option(..., "--out", "-o", help="output folder or s3://bucket/prefix"),
    refresh: list[str] = typer.Option([], "--refresh", help=f"run this stage again even when its result is cached ({_registered('stages')}, all); repeatable"),
    fan_out: bool = typer.Option(False, "--fan-out", help="hand each file to a localize-file deployment run (workers on a Prefect server; needs PREFECT_API_URL)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bars"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="show Prefect's logs"),
    **fields,
) -> None:
    """Localize every media file under INPUTS into OUT (see docs/usage.md)."""
    from rich.console import Console

    console = Console(stderr=True, quiet=quiet)
    errors = Console(stderr=True)  # errors show even with --quiet
    options, refresh = _checked_run(errors, list(inputs), out, refresh, fan_out, **fields)
    _prefect_env(verbose)
    report = _run(options, list(inputs), out, refresh, fan_out, console, errors, quiet)
    _summary(console, report, out)
    if report.get("publish_error"):
        errors.print(f"[red]error:[/] {report['publish_error']}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_FAILED if report["failed"] or report.get("publish_error") else EXIT_OK)


def _with_run_options(command):
    """`command`'s own parameters, then one CLI option per LocalizeOptions field, made from its
    declaration (lingoflow/config.py `option`): flags, help, default and bounds. A new option is
    one field there; `localize --help` shows it (tests/test_registries.py)."""
    import inspect

    from lingoflow.config import LocalizeOptions

    own = [p for p in inspect.signature(command).parameters.values() if p.kind != p.VAR_KEYWORD]
    generated = []
    for name, field in LocalizeOptions.model_fields.items():
        declared = LocalizeOptions.declared(name)
        flags = declared.get("flags") or [f"--{name.replace('_', '-')}"]
        names_from = declared.get("names_from")
        help_text = field.description + (f" (one of: {_registered(names_from)})" if names_from else "")
        annotation, default = _cli_type(name, field)
        bounds = {("min" if type(m).__name__ == "Ge" else "max"): getattr(m, "ge", getattr(m, "le", None))
                  for m in field.metadata if type(m).__name__ in ("Ge", "Le")}
        generated.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation,
                                           default=typer.Option(default, *flags, help=help_text, **bounds)))
    command.__signature__ = inspect.Signature(own + generated)
    return command


def _cli_type(name: str, field) -> tuple:
    """The CLI's type and default for an option: lists repeat (formats: one comma-separated value),
    fixed choices are checked by the options model (its error names them)."""
    import typing

    from lingoflow.config import LocalizeOptions

    default = field.get_default(call_default_factory=True)
    annotation = field.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if LocalizeOptions.declared(name).get("comma"):
        return str, ",".join(default)
    if typing.get_origin(annotation) is list:
        return list[str], list(default)
    if typing.get_origin(annotation) is typing.Literal:
        return str, default
    if args and type(None) in typing.get_args(annotation):
        return Optional[args[0]], default
    return annotation, default


app.command(name="localize")(_with_run_options(localize))


def _checked_run(errors, inputs: list[str], out: str, refresh: list[str], fan_out: bool, **fields):
    """The run's LocalizeOptions (from `fields`) and its --refresh names, both checked before any
    audio; a usage error (exit 2) naming the cause otherwise."""
    from pydantic import ValidationError

    from lingoflow.config import LocalizeOptions

    try:
        options = LocalizeOptions(**fields)
        return options, _check_run(options, inputs, out, refresh, fan_out)
    except (ConfigError, ValidationError) as exc:
        errors.print(f"[red]error:[/] {_one_line(exc)}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)


def _check_run(options, inputs: list[str], out: str, refresh: list[str], fan_out: bool) -> list[str]:
    """Everything that can be wrong with a run, found before any audio (ConfigError); the
    checked --refresh names."""
    from lingoflow.pipeline.checks import check_asr, check_targets
    from lingoflow.pipeline.runner import check_refresh
    from lingoflow.store.storage import is_s3, split_s3

    check_targets(options)
    refresh = check_refresh(refresh)
    if fan_out and not os.environ.get("PREFECT_API_URL"):
        raise ConfigError("--fan-out hands files to workers of a Prefect server: set PREFECT_API_URL (docs/deployment.md)")
    for given in [*inputs, out]:
        if is_s3(given):
            split_s3(given)
        elif given != out and not Path(given).exists():
            raise ConfigError(f"input not found: {given}")
    check_asr(options, load=False)  # loaded once a file needs it (see plan_library)
    if any(is_s3(u) for u in [*inputs, out]):  # endpoint, credentials, buckets: before any audio
        from lingoflow.io.sources import check_s3_access

        from .s3 import s3_config

        check_s3_access([*inputs, out], s3_config([*inputs, out]))
    return refresh


def _run(options, inputs: list[str], out: str, refresh: list[str], fan_out: bool, console, errors, quiet: bool) -> dict:
    """The run's report: from the cache when every file is, else from the library flow."""
    from lingoflow.runtime import heap, parallel
    from lingoflow import progress
    from lingoflow.pipeline.checks import asr_ready, load_asr_in_background, warm_during_recognition

    from . import tuning
    from .filerun import cached_library

    parallel.configure(options.jobs)  # before the speech model loads: it is sized for the files in flight

    bars = _Bars(console)
    unsubscribe = progress.subscribe(bars)
    try:
        # nothing to run and no Prefect server configured: answer from the cache, without
        # importing Prefect or starting its embedded API (docs/reliability.md)
        def on_work() -> None:  # a file must run: the API and the speech model start coming up
            tuning.start_api_early()
            load_asr_in_background(options)

        with heap.loading():  # Prefect's modules and the speech model (lingoflow/runtime/heap.py)
            report = None if os.environ.get("PREFECT_API_URL") else cached_library(inputs, out, options, refresh, on_work=on_work)
            if report is None:
                from .deployments import FILE_DEPLOYMENT
                from .localize import localize_library

                asr_ready()  # a damaged model fails here, before any audio
            if report is None and tuning.api_starting():
                # the run waits for the API it started: the speaker encoder and MT models load
                # meanwhile (else while the first file's speech is recognized: see
                # lingoflow.pipeline.checks.warm_during_recognition)
                warm_during_recognition(options)
        if report is None:
            with tuning.api(), bars.progress if not quiet else contextlib.nullcontext():
                report = localize_library(inputs, out, options, refresh, file_deployment=FILE_DEPLOYMENT if fan_out else None)
    except LingoflowError as exc:
        errors.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        # a configuration error is a usage error; anything else (a full disk for the report) a failed run
        raise typer.Exit(EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILED)
    finally:
        unsubscribe()
    return report


def _one_line(exc: Exception) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return str(exc)


def _summary(console, report: dict, out: str) -> None:
    from lingoflow.captions import sidecar
    from lingoflow.report import RunReport

    for item in RunReport.from_dict(report).items:
        mark = "[green]ok[/]" if item.status == "ok" else f"[red]failed[/]: {item.error}"
        console.print(f"  {item.item}: {mark}", highlight=False)
        for line in sidecar.describe(item.text_source):  # human captions used or rejected
            console.print(f"    {line}", highlight=False, soft_wrap=True)
    console.print(
        f"{len(report['items'])} file(s), {report['failed']} failed, {report['audio_seconds']:.1f} s of audio "
        f"in {report['wall_seconds']:.1f} s ({report['realtime_factor'] or 0:.2f}x real time). Outputs: {out if out.startswith('s3://') else Path(out).resolve()}"
        + (f"\nReview page: {(Path(out) / 'report.html').resolve().as_uri()}" if not out.startswith("s3://") and (Path(out) / "report.html").is_file() else ""),
        highlight=False,
    )


@app.command()
def evaluate(
    library: list[str] = typer.Argument(..., help="files or folders of recordings (walked recursively)"),
    references: Optional[str] = typer.Option(None, "--references", "-r", help="folder of human references: same-stem .srt/.vtt/.txt, RTTM (+UEM), manifest.tsv"),
    asr_model: list[str] = typer.Option([], "--asr-model", help="Whisper model to evaluate; repeat to compare (default: base)"),
    out: str = typer.Option("evaluation", "--out", "-o", help="folder for evaluation.json and evaluation.html (a localize OUT links each file to its review page)"),
    source_language: Optional[str] = typer.Option(None, "--from", help="spoken language; default: detected, as localize does"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="show Prefect's logs"),
) -> None:
    """Score lingoflow's transcripts against human references (docs/quality.md): WER, CER, DER, timing."""
    from rich.console import Console

    from lingoflow.quality import outputs
    from lingoflow.quality.evaluate import Evaluation, FileResult
    from lingoflow.quality.references import Problem

    console = Console(width=None if sys.stdout.isatty() else 150)
    for given, what in [(p, "recording or folder") for p in library] + ([(references, "--references folder")] if references else []):
        if not Path(given).exists():  # before Prefect starts: a usage error naming it
            Console(stderr=True).print(f"[red]error:[/] {what} not found: {given}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_USAGE)
    _prefect_env(verbose)
    from . import tuning
    from .evaluate import evaluate_library

    tuning.start_api_early()
    try:
        with tuning.api():
            data = evaluate_library(list(library), references, out, list(asr_model) or ["base"], source_language)
    except LingoflowError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILED)
    ev = Evaluation(data["models"], [FileResult(**f) for f in data["files"]], data["totals"], [Problem(**p) for p in data["problems"]])
    outputs.print_table(ev, console)
    console.print(f"Evaluation: {(Path(out) / 'evaluation.html').resolve().as_uri()}", highlight=False)
    # failed: nothing had a reference, or a file could not be transcribed (its row names the cause)
    raise typer.Exit(EXIT_FAILED if not ev.files or any(f.error for f in ev.files) else EXIT_OK)


@app.command()
def translate(
    to: str = typer.Option(..., "--to", "-t", help="target language (ISO 639-1)"),
    source_language: Optional[str] = typer.Option(None, "--from", help="source language (default: the glossaries' source language, else en)"),
    glossary: list[str] = typer.Option([], "--glossary", "-g", help="glossary YAML file (or folder); repeatable, later ones override earlier ones"),
    mt_engine: Optional[str] = typer.Option(None, help=f"MT engine: {_registered('mt')} (default: the first that serves the pair)"),
    mt_model: list[str] = typer.Option([], "--mt-model", help="MT model for ctranslate2/transformers: hub name or local folder, optionally SRC-TGT=NAME; repeatable"),
    batch: int = typer.Option(64, min=1, help="lines translated together"),
) -> None:
    """Translate text lines from stdin to stdout, one line out for each line in, enforcing the glossaries.

    A summary of glossary adherence goes to stderr."""
    engine, terms, source, target = _translation_setup(to, source_language, glossary, mt_engine, mt_model)
    if terms is not None and not terms.terms(source, target):
        typer.echo(f"warning: the glossaries have no {source} term with a {target} translation", err=True)
    applied, honored = _translate_stream(engine, terms, source, target, 1 if sys.stdin.isatty() else batch)  # by hand: each line at once
    if terms is not None:
        typer.echo(f"glossary: {honored}/{applied} term uses honored ({engine.name}, {source}->{target})", err=True)


def _translation_setup(to: str, source_language, glossary: list[str], mt_engine, mt_model: list[str]):
    """(engine, glossary terms or None, source, target) for `translate`; a usage error otherwise."""
    from pydantic import ValidationError

    from lingoflow import mt
    from lingoflow.pipeline.terms import load_glossary
    from lingoflow.config import LocalizeOptions

    try:
        options = LocalizeOptions(targets=[to], source_language=source_language, mt_engine=mt_engine, mt_model=mt_model, glossaries=glossary)
        terms = load_glossary(options) if options.glossaries else None
        source = options.source_language or (next(iter(terms.by_language), None) if terms else None) or "en"
        target = options.targets[0]
        if source == target:
            raise ConfigError(f"source and target language are both {target!r}")
        return mt.select_engine(source, target, options.mt_engine, options.mt_model), terms, source, target
    except (ConfigError, ValidationError) as exc:
        typer.echo(f"error: {_one_line(exc)}", err=True)
        raise typer.Exit(EXIT_USAGE)


def _translate_stream(engine, terms, source: str, target: str, batch: int) -> tuple[int, int]:
    """stdin to stdout, `batch` lines at a time; (term uses applied, honored)."""
    from lingoflow import mt

    applied = honored = 0
    lines: list[str] = []

    def flush() -> None:
        nonlocal applied, honored
        try:
            results = mt.constrained.translate(engine, lines, source, target, terms)
        except LingoflowError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_USAGE)
        for res in results:
            sys.stdout.write(res.text.replace("\n", " ") + "\n")
            applied += len(res.terms)
            honored += sum(u.honored for u in res.terms)
        sys.stdout.flush()
        lines.clear()

    for line in sys.stdin:
        lines.append(line.rstrip("\r\n"))
        if len(lines) >= batch:
            flush()
    if lines:
        flush()
    return applied, honored


@app.command()
def serve(
    library: Optional[str] = typer.Option(None, help="the nightly run's library: a folder or s3://bucket/prefix"),
    out: Optional[str] = typer.Option(None, "--out", "-o", help="the nightly run's output: a folder or s3://bucket/prefix"),
    to: list[str] = typer.Option([], "--to", "-t", help="the nightly run's target languages"),
    cron: str = typer.Option("0 2 * * *", help="the nightly schedule (cron)"),
    timezone: str = typer.Option("UTC", help="time zone of the schedule (IANA name)"),
    asr_model: str = typer.Option("base", help="Whisper model for both library deployments"),
    limit: Optional[int] = typer.Option(None, help="at most this many runs at once in this process (CPU-bound work)"),
    notify: Optional[str] = typer.Option(None, "--notify", help="webhook URL called when a library run has failed files or crashes (Prefect automations)"),
) -> None:
    """Serve course-library-nightly, library-on-demand and localize-file from this process."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not os.environ.get("PREFECT_API_URL"):
        typer.echo("error: serving needs a Prefect server: start one (`prefect server start`, or infra/) and set "
                   "PREFECT_API_URL, e.g. http://127.0.0.1:4200/api", err=True)
        raise typer.Exit(EXIT_USAGE)
    import zoneinfo

    from lingoflow import languages

    try:
        for code in to:
            languages.normalize(code)
        zoneinfo.ZoneInfo(timezone)
    except (LingoflowError, zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE)
    if notify:
        _set_up_notify(notify)
    from .deployments import serve_all

    serve_all(limit=limit, library=library, out=out, targets=list(to), cron=cron, timezone=timezone, asr_model=asr_model)


@app.command()
def notify(url: str = typer.Argument(..., help="webhook URL (kept in a Prefect Webhook block, as a secret)")) -> None:
    """Call URL when a library run has failed files or crashes: a webhook block and two automations
    on the Prefect server of PREFECT_API_URL (deployments/automations.yaml)."""
    if not os.environ.get("PREFECT_API_URL"):
        typer.echo("error: notifications live on a Prefect server: set PREFECT_API_URL", err=True)
        raise typer.Exit(EXIT_USAGE)
    _set_up_notify(url)


def _set_up_notify(url: str) -> None:
    from .notify import BLOCK_NAME, set_up

    try:
        names = set_up(url)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE)
    except Exception as exc:  # the server refused or did not answer: say so, without the URL (a secret)
        typer.echo(f"error: cannot set up notifications on the Prefect server: {type(exc).__name__}: {str(exc).replace(url, '<URL>')}", err=True)
        raise typer.Exit(EXIT_FAILED)
    typer.echo(f"notifications: webhook block {BLOCK_NAME!r}, automations {', '.join(names)}", err=True)


@app.command()
def version() -> None:
    """Print the version."""
    from lingoflow import __version__

    typer.echo(__version__)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
