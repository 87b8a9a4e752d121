"""The run's glossaries, as the stages that use them load them."""
from __future__ import annotations

from .. import glossary
from ..config import LocalizeOptions


def load_glossary(options: LocalizeOptions) -> glossary.Glossary:
    """The run's glossaries, merged in order (ConfigError with file, line and cause when invalid)."""
    return glossary.load_cached(glossary.expand(options.glossaries))
