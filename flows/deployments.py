"""Deployments: the nightly course library, on-demand library runs, and per-file runs.

`lingoflow serve` serves all three from one process (a single machine); for many machines,
`prefect deploy --all` (deployments/prefect.yaml) puts them on the `lingoflow` work pool and
`prefect worker start --pool lingoflow` runs them anywhere (docs/deployment.md).
"""
from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from pydantic import ValidationError

from lingoflow.config import LocalizeOptions
from lingoflow.errors import ConfigError
from lingoflow.store.storage import is_s3, split_s3

from .evaluate import evaluate_library
from .localize import localize_file, localize_library

LIBRARY_FLOW = "lingoflow-library"
FILE_DEPLOYMENT = "localize-file/localize-file"
NIGHTLY, ON_DEMAND = "course-library-nightly", "library-on-demand"


def build_options(targets: list[str], source_language: str | None, asr_model: str, glossary: str | list[str] | None,
                  voices: str | None, formats: str | list[str] | None = None, languages: str | list[str] | None = None,
                  options: dict | None = None) -> LocalizeOptions:
    """LocalizeOptions from deployment parameters: `options` (any run option by its name, as the
    CLI's; lingoflow/config.py), then the named parameters over it; a clear error for each bad
    one (then the same checks as the CLI: glossaries parse, engines serve the targets, voices load)."""
    from lingoflow.pipeline.checks import check_targets

    fields = dict(options or {})
    for name, value, unset in (("targets", targets, []), ("source_language", source_language, None), ("asr_model", asr_model, "base")):
        if value != unset or name not in fields:
            fields[name] = value
    glossaries = [glossary] if isinstance(glossary, str) else list(glossary or [])
    for name, value in [("glossary", g) for g in glossaries] + ([("voices", voices)] if voices else []):
        if not Path(value).exists():
            raise ConfigError(f"parameter {name!r}: not found on this worker: {value}")
    if glossaries:
        fields["glossaries"] = glossaries
    if voices:
        fields["voices"] = voices
    if formats:
        fields["formats"] = formats
    if languages:
        fields["languages"] = languages
    try:
        options = LocalizeOptions(**fields)
    except ValidationError as exc:
        raise ConfigError("invalid parameters: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    check_targets(options)
    return options


def check_uri(name: str, uri: str, must_exist: bool) -> None:
    if not isinstance(uri, str) or not uri.strip():
        raise ConfigError(f"parameter {name!r}: a folder or s3://bucket/prefix is required")
    if is_s3(uri):
        split_s3(uri)
    elif must_exist and not Path(uri).exists():
        raise ConfigError(f"parameter {name!r}: not found on this worker: {uri} (a local path must exist where the run executes; use s3:// to share a library)")


@flow(name=LIBRARY_FLOW, log_prints=True, validate_parameters=True)
def library_run(library: str, out: str, targets: list[str] = [], glossary: str | list[str] | None = None, voices: str | None = None,
                asr_model: str = "base", source_language: str | None = None, refresh: list[str] = [],
                fan_out: bool = False, s3_block: str | None = None, formats: str | list[str] | None = None,
                languages: str | list[str] | None = None, options: dict | None = None) -> dict:
    """Localize a library (a folder or s3://bucket/prefix) into OUT.

    options: any other run option by its name, as `lingoflow localize --help` lists them
    (e.g. {"speakers": 2, "max_cps": 15}); the parameters named here take precedence.

    fan_out: hand each file to its own `localize-file` deployment run, so every worker of
    the pool shares the library. s3_block: a MinIOCredentials block name (else LINGOFLOW_S3_*).
    formats: caption formats, as `--formats` (the names `lingoflow localize --help` lists; default srt, vtt).
    languages: the library's languages, as `--languages` ("en,fr" or a list; docs/languages.md).
    """
    logger = get_run_logger()
    try:
        check_uri("library", library, must_exist=True)
        check_uri("out", out, must_exist=False)
        options = build_options(targets, source_language, asr_model, glossary, voices, formats, languages, options)
    except ConfigError as exc:
        logger.error("parameter error: %s", exc)
        raise
    return localize_library([library], out, options, refresh, s3_block, FILE_DEPLOYMENT if fan_out else None)


def deployments(library: str | None = None, out: str | None = None, targets: list[str] | None = None,
                cron: str = "0 2 * * *", timezone: str = "UTC", asr_model: str = "base") -> list:
    """The deployments, as `serve` takes them."""
    from prefect.schedules import Cron

    params = {k: v for k, v in {"library": library, "out": out, "targets": targets or [], "asr_model": asr_model}.items() if v is not None}
    return [
        library_run.to_deployment(name=NIGHTLY, schedules=[Cron(cron, timezone=timezone)], parameters=params, tags=["lingoflow", "nightly"],
                                  description="The course library, every night: only new or changed files and settings run."),
        library_run.to_deployment(name=ON_DEMAND, parameters={"asr_model": asr_model}, tags=["lingoflow", "on-demand"],
                                  description="A library run triggered through the API (POST /api/deployments/{id}/create_flow_run)."),
        localize_file.to_deployment(name="localize-file", tags=["lingoflow", "file"],
                                    description="One file of a library run with fan_out: any worker takes it."),
        evaluate_library.to_deployment(name="evaluate-library", parameters={"asr_models": [asr_model]}, tags=["lingoflow", "evaluate"],
                                       description="Transcripts scored against human references (docs/quality.md)."),
    ]


def serve_all(limit: int | None = None, **kwargs) -> None:
    from prefect import serve

    serve(*deployments(**kwargs), limit=limit)
