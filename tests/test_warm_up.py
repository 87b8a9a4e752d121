"""The engines the stages after speech recognition need (speaker encoder, MT) load in the
background once speech is heard, and not at all for a file with no speech
(lingoflow/pipeline/checks.py warm_up_around, which a file's flow holds around its transcribe stage)."""
from __future__ import annotations

import time

import numpy as np
import pytest

from lingoflow.pipeline.ingest import ingest
from lingoflow.pipeline.transcribe import transcribe
from lingoflow.config import LocalizeOptions
from lingoflow.pipeline import checks
from lingoflow.samples import make_media


@pytest.fixture
def warm_ups(monkeypatch) -> list[float]:
    """When each background load started (the loading itself left out: torch, onnxruntime)."""
    started: list[float] = []
    monkeypatch.setattr(checks, "_warm_engines", lambda options: started.append(time.monotonic()))
    monkeypatch.setattr(checks, "_warming", set())
    return started


def _transcribe_task(path) -> tuple:
    """The transcribe stage as a file's flow runs it (flows/filerun.py): inside warm_up_around."""
    options = LocalizeOptions(asr_model="tiny.en", targets=["pt"])
    done: list = []
    with checks.warm_up_around("transcribe", options, "clip", lambda: bool(done[0].segments)):
        transcript = transcribe(ingest(str(path)), options, "clip")
        done.append(transcript)
        finished = time.monotonic()
    return transcript, finished


def test_no_engine_loads_for_a_file_without_speech(tmp_path, warm_ups):
    make_media(np.random.default_rng(3).normal(0, 1e-4, 48000).astype(np.float32), tmp_path / "hiss.wav")
    transcript, _ = _transcribe_task(tmp_path / "hiss.wav")
    time.sleep(0.2)
    assert not transcript.segments
    assert warm_ups == []


def test_the_engines_load_while_speech_is_still_recognized(eval_dir, warm_ups):
    transcript, finished = _transcribe_task(eval_dir / "asr" / "en+de_fw_multilingual.mp3")
    time.sleep(0.2)
    assert len(transcript.segments) >= 2
    assert len(warm_ups) == 1  # once, however many segments
    assert warm_ups[0] < finished  # started on the first decoded speech, not after the stage
