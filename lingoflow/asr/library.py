"""The library prior: the languages a library is heard in decide the files that are unsure.

A library run goes in two passes (flows/localize.py). The first runs every file; a file whose
language is unsure (language.UNSURE_BELOW) stops once its language is heard, before anything is
decoded. The library's languages are then those its files were heard in with confidence, in this
run and in earlier runs of the same OUT (its report.json); the unsure files are decided within
them by their own Whisper probabilities and run in a second pass, their language fixed. Only
confident files make the set, and the set is complete before any unsure file is decided, so the
outcome does not depend on which file finished first.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Iterable

from . import language

log = logging.getLogger(__name__)


def confident_languages(language_ids: Iterable[dict | None]) -> list[str]:
    """The languages heard with confidence (LanguageId dicts; None and decided ones skipped), sorted."""
    found = set()
    for d in language_ids:
        if not d:
            continue
        try:
            lid = language.LanguageId.from_dict(d)
        except TypeError:  # a report of another shape: nothing to learn from it
            continue
        if lid.confident:
            found.add(lid.detected or lid.language)
    return sorted(found)


def earlier_languages(report_json: Path) -> list[str]:
    """The confident languages recorded in an earlier run's report.json (none when absent or unreadable)."""
    try:
        data = json.loads(Path(report_json).read_text(encoding="utf-8"))
        items = data.get("items", []) if isinstance(data, dict) else []
    except (OSError, ValueError) as exc:
        if Path(report_json).exists():
            log.warning("%s: earlier languages not read: %s", report_json, exc)
        return []
    return confident_languages(i.get("language_id") for i in items if isinstance(i, dict) and i.get("status") == "ok")


def decide_unsure(language_id: dict, prior: list[str]) -> dict:
    """An unsure file's LanguageId, decided within the library's languages (as heard, when there are none)."""
    lid = language.LanguageId.from_dict(language_id)
    return language.decide(lid, prior=prior).to_dict()
