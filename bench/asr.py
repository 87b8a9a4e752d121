"""lingoflow's ASR stage against bare faster-whisper on the same audio, model and settings."""
from __future__ import annotations

import os

from lingoflow.pipeline.ingest import ingest
from lingoflow.pipeline.transcribe import transcribe
from lingoflow.io import media
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
    options = LocalizeOptions(asr_model=model_name, asr_batch=0)  # the same decoder as bare faster-whisper's
    ingested = ingest(str(path))
    load_model(model_name)  # both sides start with the model loaded
    audio = media.load_wav(ingested.audio_wav)
    ours, bare, batch = [], [], []
    for _ in range(repeats):
        ours.append(timed(transcribe, ingested, options)[0])
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
    from lingoflow.quality.metrics import score

    return score([reference], [hypothesis]).deletions


# ---- lingoflow's batched decoder (--asr-batch N) against its sequential one (--asr-batch 0)

def real_recordings() -> list:
    """Every real recording of ../shared/eval with speech: asr/*, diar/ami/*.wav, diar/pyannote_sample.wav."""
    from .common import SHARED_EVAL

    asr = sorted(p for p in (SHARED_EVAL / "asr").iterdir() if p.suffix in (".wav", ".flac", ".mp3"))
    return asr + sorted((SHARED_EVAL / "diar" / "ami").glob("*.wav")) + [SHARED_EVAL / "diar" / "pyannote_sample.wav"]


def _words(transcript) -> str:
    return " ".join(s.text for s in transcript.segments)


def _decode_both(ingested, model_name: str, batch: int) -> dict:
    """Both decoders once, batched first then sequential: wall and CPU seconds, transcripts."""
    import time

    out = {}
    for name, n in (("batched", batch), ("sequential", 0)):
        options = LocalizeOptions(asr_model=model_name, asr_batch=n)
        wall, cpu = time.perf_counter(), time.process_time()
        transcript = transcribe(ingested, options)
        out[name] = (time.perf_counter() - wall, time.process_time() - cpu, transcript)
    return out


def batched_vs_sequential(sets: dict[str, list], model_name: str = "base", batch: int = 8, repeats: int = 1, tmp=None) -> dict:
    """Per set of files: seconds (median of `repeats` same-run rounds, both decoders alternating),
    words of the sequential transcript the batched one lacks, WER where a reference exists."""
    import tempfile
    from pathlib import Path

    from .eval import asr_inputs
    from .quality import wer

    load_model(model_name)
    refs = {}
    with tempfile.TemporaryDirectory() as scratch:
        for path, _lang, ref in asr_inputs(Path(tmp or scratch), quick=False):
            refs[Path(path).name] = (path, ref)
        out = {}
        for set_name, paths in sets.items():
            ingested = [ingest(str(p)) for p in paths]
            rounds = [[_decode_both(i, model_name, batch) for i in ingested] for _ in range(repeats)]
            last = rounds[-1]
            seq_text = " ".join(_words(r["sequential"][2]) for r in last)
            bat_text = " ".join(_words(r["batched"][2]) for r in last)
            secs = {k: [sum(r[k][0] for r in rnd) for rnd in rounds] for k in ("batched", "sequential")}
            cpu = {k: [sum(r[k][1] for r in rnd) for rnd in rounds] for k in ("batched", "sequential")}
            row = {
                "files": len(paths), "audio_seconds": round(sum(i.duration for i in ingested), 1),
                "sequential_seconds": round(median(secs["sequential"]), 2), "batched_seconds": round(median(secs["batched"]), 2),
                "speedup": round(median(secs["sequential"]) / median(secs["batched"]), 3),
                "speedup_cpu_time": round(median(cpu["sequential"]) / median(cpu["batched"]), 3),
                "sequential_words": len(seq_text.split()), "words_lost": words_deleted(seq_text, bat_text),
            }
            row["words_lost_share"] = round(row["words_lost"] / max(row["sequential_words"], 1), 4)
            scored = [(refs[Path(p).name][1], r) for p, r in zip(paths, last) if Path(p).name in refs]
            if scored:
                row["wer_sequential"] = round(wer([x for x, _ in scored], [_words(r["sequential"][2]) for _, r in scored]), 4)
                row["wer_batched"] = round(wer([x for x, _ in scored], [_words(r["batched"][2]) for _, r in scored]), 4)
            out[set_name] = row
        # the stereo clip's references are per channel: scored on each channel alone
        split = [(p, ref) for name, (p, ref) in refs.items() if "-ch" in name]
        if split and "real recordings" in sets:
            ingested = [ingest(str(p)) for p, _ in split]
            both = [_decode_both(i, model_name, batch) for i in ingested]
            out["stereo channels"] = {
                "files": len(split), "audio_seconds": round(sum(i.duration for i in ingested), 1),
                "wer_sequential": round(wer([r for _, r in split], [_words(b["sequential"][2]) for b in both]), 4),
                "wer_batched": round(wer([r for _, r in split], [_words(b["batched"][2]) for b in both]), 4),
            }
    return out
