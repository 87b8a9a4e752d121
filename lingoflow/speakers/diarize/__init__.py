"""Speaker diarization: who speaks when. One interface, one file per engine, a registry.

An engine returns speaker turns over the audio; ``assign`` gives every transcript word the
speaker of the turn it overlaps most and splits a segment that spans a speaker change at the
word boundary; ``measure`` measures each speaker (embedding, pitch) for voice casting.
"""
from __future__ import annotations

from .assign import apply_turns
from .base import Diarizer, Turn
from .registry import ENGINES, get_diarizer

__all__ = ["ENGINES", "Diarizer", "Turn", "apply_turns", "get_diarizer"]
