"""The library prior's two passes, as the library flow sees them (lingoflow/asr/library.py)."""
from __future__ import annotations

from lingoflow.asr.library import confident_languages, decide_unsure, earlier_languages
from lingoflow.config import LocalizeOptions
from pathlib import Path

from lingoflow.store.outroot import OutputRoot
from lingoflow.store.storage import is_s3

from .s3 import s3_config

__all__ = ["decide_unsure", "library_languages", "library_prior_applies"]


def _earlier(out: str, s3_block: str | None) -> list[str]:
    """From OUT's report.json: a local OUT's own, an S3 OUT's local copy (the last run's from this machine)."""
    local = OutputRoot(out, s3_config([out], s3_block)).local if is_s3(out) else Path(out)
    return earlier_languages(local / "report.json")


def library_prior_applies(options: LocalizeOptions, sources: list, out: str, s3_block: str | None) -> bool:
    """Whether unsure files wait for the library's languages: not when the language is given
    (--from) or listed (--languages), nor under code-switching; a single file only when an
    earlier run of OUT heard languages (a single file alone behaves as it always did)."""
    if options.source_language or options.languages or options.code_switching:
        return False
    return len(sources) > 1 or bool(_earlier(out, s3_block))


def library_languages(reports, out: str, s3_block: str | None) -> list[str]:
    """The languages this run's files were heard in with confidence, and earlier runs' of OUT."""
    return sorted(set(confident_languages(r.language_id for r in reports if r.status in ("ok", "deferred"))) | set(_earlier(out, s3_block)))
