"""Diarization error rate of lingoflow's diarize stage on ../shared/eval/diar/pyannote_sample.wav.

    .venv/bin/python bench/diarization.py [--asr-model base] [--engine resemblyzer] [--speakers N]

Runs the pipeline's own path: faster-whisper words -> speech regions -> diarization engine ->
word-level speaker assignment (segments split at speaker changes); the hypothesis is the
transcript's speaker segments. Prints DER (pyannote.metrics, 0.25 s forgiveness collar as in
the usual protocol, and without a collar), the number of speakers found vs the reference, and
as a same-run baseline the DER of labelling all the speech as one speaker. Also times it.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EVAL = ROOT.parent / "shared" / "eval" / "diar"


def rttm(path: Path):
    from pyannote.core import Annotation, Segment

    ann = Annotation()
    for line in path.read_text().splitlines():
        f = line.split()
        if f and f[0] == "SPEAKER":
            start, dur = float(f[3]), float(f[4])
            ann[Segment(start, start + dur)] = f[7]
    return ann


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wav", default=str(EVAL / "pyannote_sample.wav"))
    ap.add_argument("--rttm", default=str(EVAL / "pyannote_sample.rttm"))
    ap.add_argument("--asr-model", default="base")
    ap.add_argument("--engine", default="resemblyzer")
    ap.add_argument("--speakers", type=int, default=None)
    ap.add_argument("--step", type=float, nargs="*", default=[], help="resemblyzer window steps to compare (s)")
    ap.add_argument("--tile", type=int, default=20, help="also time a long file: the sample repeated N times (0: skip)")
    args = ap.parse_args()
    os.environ.setdefault("LINGOFLOW_CACHE", tempfile.mkdtemp(prefix="lingoflow-bench-"))

    from lingoflow import media, speakers
    from lingoflow.config import LocalizeOptions
    from lingoflow.schema import SourceInfo, Transcript
    from lingoflow.asr import AsrOptions, get_transcriber

    wav = Path(args.wav)
    info = media.probe(wav)
    audio_wav = Path(os.environ["LINGOFLOW_CACHE"]) / "bench16k.wav"
    media.decode_audio(info, audio_wav)
    audio = media.load_wav(audio_wav)
    t0 = time.perf_counter()
    asr = get_transcriber("faster-whisper").transcribe(audio, AsrOptions(model=args.asr_model))
    t_asr = time.perf_counter() - t0
    transcript = Transcript(SourceInfo(str(wav), media.sha256_file(wav), len(audio) / media.SAMPLE_RATE), asr.language, asr.language_probability, asr.segments)
    options = LocalizeOptions(diarize_engine=args.engine, speakers=args.speakers)
    from lingoflow.diarize import get_diarizer

    print(f"machine: {platform.node()} {os.cpu_count()} cores, {platform.python_version()}, torch CPU")
    print(f"file: {wav.name}  ({len(audio) / media.SAMPLE_RATE:.1f} s), ASR {args.asr_model} ({t_asr:.1f} s), engine {args.engine}")
    get_diarizer(args.engine)  # loaded before timing
    for step in args.step or [None]:
        if step:
            get_diarizer(args.engine).step = step
        t0 = time.perf_counter()
        diarized = speakers.diarize(transcript, str(audio_wav), options)
        report(diarized, transcript, args, time.perf_counter() - t0, step)
    if args.tile:
        long_file(audio, transcript, args)


def long_file(audio, transcript, args) -> None:
    """The engine alone on the sample repeated: speed and peak memory on a long recording."""
    import resource

    import numpy as np

    from lingoflow.diarize import get_diarizer
    from lingoflow.diarize.assign import speech_regions

    period = len(audio) / 16000
    long = np.tile(audio, args.tile)
    speech = [(s + i * period, e + i * period) for i in range(args.tile) for s, e in speech_regions(transcript.segments)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    turns = get_diarizer(args.engine).diarize(long, 16000, speech, args.speakers)
    took = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"-- long file: the sample x{args.tile} ({len(long) / 16000 / 60:.1f} min of audio)")
    print(f"speakers found: {len({t.speaker for t in turns})}; engine seconds {took:.1f} "
          f"({len(long) / 16000 / took:.0f}x real time); peak RSS {peak:.0f} MB (before: {before:.0f} MB)")


def report(diarized, transcript, args, t_diar, step) -> None:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    from lingoflow.diarize.assign import speech_regions

    hyp, one = Annotation(), Annotation()
    for seg in diarized.transcript.segments:
        start = seg.words[0].start if seg.words else seg.start
        end = seg.words[-1].end if seg.words else seg.end
        if end > start:
            hyp[Segment(start, end), str(seg.id)] = seg.speaker
    for s, e in speech_regions(transcript.segments):
        one[Segment(s, e)] = "one"
    ref = rttm(Path(args.rttm))
    warnings.filterwarnings("ignore", message=".*uem.*")
    der = DiarizationErrorRate(collar=0.5, skip_overlap=False)  # collar 0.5 = +/-0.25 s
    der0 = DiarizationErrorRate(collar=0.0)
    if step:
        print(f"-- window step {step} s")
    print(f"speakers found: {len(diarized.speakers)}  (reference: {len(ref.labels())})")
    print(f"DER (collar 0.25 s): {der(ref, hyp):.3f}   baseline one-speaker: {der(ref, one):.3f}")
    print(f"DER (no collar):     {der0(ref, hyp):.3f}   baseline one-speaker: {der0(ref, one):.3f}")
    print(f"seconds: diarize+measure {t_diar:.1f}")


if __name__ == "__main__":
    main()
