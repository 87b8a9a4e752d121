"""Speech recognition: one interface, one file per engine, and a registry."""
from __future__ import annotations

from .base import AsrOptions, Transcriber
from .registry import get_transcriber

__all__ = ["AsrOptions", "Transcriber", "get_transcriber"]
