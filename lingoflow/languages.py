"""Language codes: ISO 639-1 as used on the command line and by Whisper, ISO 639-2 for containers."""
from __future__ import annotations

import pycountry

from .errors import ConfigError


def normalize(code: str) -> str:
    """'pt-BR' -> 'pt', 'EN' -> 'en'; raise ConfigError for a code that names no language."""
    if not isinstance(code, str) or not code.strip():
        raise ConfigError(f"language code must be a non-empty string, got {code!r}")
    base = code.strip().replace("_", "-").split("-")[0].lower()
    lang = _lookup(base)
    if lang is None:
        raise ConfigError(f"unknown language code {code!r} (use ISO 639-1, e.g. 'pt', 'es', 'de')")
    return getattr(lang, "alpha_2", None) or lang.alpha_3


def to_iso639_2(code: str) -> str:
    """The bibliographic ISO 639-2 code containers expect: 'pt' -> 'por', 'de' -> 'ger'."""
    lang = _lookup(code.split("-")[0].lower()) if code else None
    if lang is None:
        return "und"
    return getattr(lang, "bibliographic", None) or lang.alpha_3


def _lookup(code: str):
    if len(code) == 2:
        return pycountry.languages.get(alpha_2=code)
    if len(code) == 3:
        return pycountry.languages.get(alpha_3=code) or pycountry.languages.get(bibliographic=code)
    return None
