"""pyannote.audio diarization, for users who have its models (a reachable Hugging Face hub with
an accepted licence and token, or a local copy of the pipeline). Not installed by default:
``pip install pyannote.audio`` in the lingoflow environment (with ``torch==2.13.0`` pinned)."""
from __future__ import annotations

import os
import threading

import numpy as np

from ...errors import EngineUnavailable
from .base import Diarizer, Turn, speaker_label

DEFAULT_PIPELINE = "pyannote/speaker-diarization-3.1"
_MISSING = (
    "the pyannote diarization engine needs pyannote.audio: `.venv/bin/pip install pyannote.audio torch==2.13.0`, "
    "and its pipeline from a model hub (set HF_TOKEN) or a local copy (LINGOFLOW_PYANNOTE_PIPELINE=/path/config.yaml); "
    "or use --diarize-engine campp (the default, installed)"
)

_pipelines: dict[str, object] = {}
_lock = threading.Lock()


class PyannoteEngine(Diarizer):
    name = "pyannote"

    def __init__(self, pipeline: str | None = None):
        # a hub name or a local folder/config.yaml; LINGOFLOW_PYANNOTE_PIPELINE overrides
        self.pipeline_name = pipeline or os.environ.get("LINGOFLOW_PYANNOTE_PIPELINE", DEFAULT_PIPELINE)

    def identity(self) -> str:
        return f"pyannote:{self.pipeline_name}"

    def check(self) -> None:
        """Fail before any audio when pyannote.audio is not installed."""
        import importlib.util

        if importlib.util.find_spec("pyannote.audio") is None:
            raise EngineUnavailable(_MISSING)

    def _pipeline(self):
        with _lock:
            if self.pipeline_name in _pipelines:
                return _pipelines[self.pipeline_name]
            try:
                from pyannote.audio import Pipeline
            except ImportError as exc:
                raise EngineUnavailable(_MISSING) from exc
            token = os.environ.get("HF_TOKEN") or None
            try:
                pipe = Pipeline.from_pretrained(self.pipeline_name, token=token)
            except Exception as exc:  # hub unreachable, licence not accepted, missing files
                raise EngineUnavailable(
                    f"cannot load the pyannote pipeline {self.pipeline_name!r} ({type(exc).__name__}: {exc}); "
                    "it needs a reachable model hub and HF_TOKEN, or a local copy"
                ) from exc
            if pipe is None:
                raise EngineUnavailable(f"pyannote pipeline {self.pipeline_name!r} not available (licence not accepted or HF_TOKEN missing)")
            _pipelines[self.pipeline_name] = pipe
            return pipe

    def diarize(self, audio, sample_rate, speech, num_speakers=None, max_speakers=8, min_speakers=1) -> list[Turn]:
        import torch

        pipe = self._pipeline()
        kwargs = {"num_speakers": num_speakers} if num_speakers else {"min_speakers": min_speakers, "max_speakers": max_speakers}
        waveform = torch.from_numpy(np.asarray(audio, dtype=np.float32)[None, :])
        result = pipe({"waveform": waveform, "sample_rate": sample_rate}, **kwargs)
        annotation = getattr(result, "speaker_diarization", result)  # pyannote 4 wraps it
        names: dict[str, str] = {}
        turns = []
        for segment, _, label in annotation.itertracks(yield_label=True):
            names.setdefault(label, speaker_label(len(names)))
            turns.append(Turn(round(segment.start, 3), round(segment.end, 3), names[label]))
        return turns
