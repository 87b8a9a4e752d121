"""Machine translation: one interface, one file per engine, a registry that picks per language pair."""
from __future__ import annotations

from . import constrained
from .base import MtEngine
from .registry import ENGINES, select_engine

__all__ = ["ENGINES", "MtEngine", "select_engine"]
