from __future__ import annotations

from ..errors import ConfigError
from .base import Diarizer
from .campp import CamppEngine
from .pyannote import PyannoteEngine
from .resemblyzer import ResemblyzerEngine
from .resemblyzer_ahc import AgglomerativeResemblyzerEngine

# engine name -> class; a new engine is one file and one line here
ENGINES: dict[str, type] = {"campp": CamppEngine, "resemblyzer": ResemblyzerEngine, "resemblyzer-ahc": AgglomerativeResemblyzerEngine, "pyannote": PyannoteEngine}
_instances: dict[str, Diarizer] = {}


def get_diarizer(name: str) -> Diarizer:
    if name not in ENGINES:
        raise ConfigError(f"unknown diarization engine {name!r} (available: {', '.join(ENGINES)}, or 'none')")
    if name not in _instances:
        _instances[name] = ENGINES[name]()
    return _instances[name]
