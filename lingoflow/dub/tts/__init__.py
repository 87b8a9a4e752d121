"""Speech synthesis: one interface, one file per engine, a registry, default voices per language."""
from __future__ import annotations

from .base import Synthesizer, Voice
from .registry import ENGINES, default_voice, get_engine

__all__ = ["ENGINES", "Synthesizer", "Voice", "default_voice", "get_engine"]
