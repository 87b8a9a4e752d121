"""lingoflow's ASR stage against bare faster-whisper on the same audio, model and settings."""
from __future__ import annotations

import os

from lingoflow import media, stages
from lingoflow.asr.faster_whisper import load_model
from lingoflow.config import LocalizeOptions

from .common import median, timed


def bare_transcribe(audio, model_name: str, batched: bool = False):
    """faster-whisper alone, called the way its README shows, with lingoflow's settings."""
    model = load_model(model_name)
    kwargs = dict(beam_size=5, vad_filter=True, word_timestamps=True, condition_on_previous_text=False)
    if batched:
        from faster_whisper import BatchedInferencePipeline

        # with segment timestamps, as lingoflow needs them (without, a segment is a 30 s chunk)
        segments, info = BatchedInferencePipeline(model=model).transcribe(audio, batch_size=8, without_timestamps=False, **kwargs)
    else:
        segments, info = model.transcribe(audio, **kwargs)
    return [s.text for s in segments], info.language


def compare(path, model_name: str = "base", repeats: int = 3, batched: bool = True) -> dict:
    """Median seconds of each, alternating runs so machine noise hits both alike."""
    options = LocalizeOptions(asr_model=model_name)
    ingested = stages.ingest(str(path))
    load_model(model_name)  # both sides start with the model loaded
    audio = media.load_wav(ingested.audio_wav)
    ours, bare, batch = [], [], []
    for _ in range(repeats):
        ours.append(timed(stages.transcribe, ingested, options)[0])
        seconds, (sequential_text, _) = timed(bare_transcribe, audio, model_name)
        bare.append(seconds)
        if batched:
            seconds, (batched_text, _) = timed(bare_transcribe, audio, model_name, True)
            batch.append(seconds)
    out = {
        "audio_seconds": round(ingested.duration, 2),
        "lingoflow_seconds": round(median(ours), 3),
        "bare_seconds": round(median(bare), 3),
        "ratio": round(median(bare) / median(ours), 3),  # >= 0.95 is the goal: lingoflow at most 5% slower
        "cpu_threads": os.cpu_count(),
    }
    if batched:
        out["bare_batched_seconds"] = round(median(batch), 3)
        out["batched_speedup"] = round(median(bare) / median(batch), 3)
        # what the speed costs: words of the sequential transcript the batched one lacks
        out["batched_words_deleted"] = words_deleted(" ".join(sequential_text), " ".join(batched_text))
        out["sequential_words"] = len(" ".join(sequential_text).split())
    return out


def words_deleted(reference: str, hypothesis: str) -> int:
    import jiwer

    from .quality import NORMALIZE

    return jiwer.process_words(reference, hypothesis, reference_transform=NORMALIZE, hypothesis_transform=NORMALIZE).deletions
