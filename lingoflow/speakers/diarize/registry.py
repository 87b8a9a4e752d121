from __future__ import annotations

from ...engines import Registry
from .base import Diarizer
from .campp import CamppEngine
from .pyannote import PyannoteEngine

# a new engine is one file and one line here
ENGINES: Registry[Diarizer] = Registry("diarization engine", {"campp": CamppEngine, "pyannote": PyannoteEngine}, also="'none'")


def get_diarizer(name: str) -> Diarizer:
    return ENGINES.engine(name)
