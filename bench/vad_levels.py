"""How much reference speech the ASR hears on far-field meetings, by input level and VAD setting.

    python -m bench.vad_levels [--no-decode] [--clips trn00 dev01 ...]

Per clip of ../shared/eval/diar (AMI + the pyannote sample): its levels (peak, speech peaks =
the loudest 5 % of 20 ms frames, the gain lingoflow/asr/level.py gives it), the reference
speech inside the UEM, and the seconds of it covered
- by Silero VAD's speech regions as faster-whisper decodes them (its default options: threshold
  0.5, 2 s minimum silence, 0.4 s pads) on the audio as it is, on the audio raised by level.py,
  and at lower thresholds (0.35, 0.25) on the audio as it is; "extra" is what those regions
  hold outside the reference speech;
- by the transcript's words (each segment from its first to its last word: the span a user gets
  and bench.diarization scores) from lingoflow's engine with the level step off and on, in the
  same run (--no-decode skips this part, a minute or two on 2 cores).
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timeline(pairs):
    from pyannote.core import Segment, Timeline

    return Timeline([Segment(a, b) for a, b in pairs if b > a]).support()


def _covered(speech, regions) -> tuple[float, float]:
    """Reference speech inside `regions` (s), and what `regions` hold outside it."""
    if not len(regions):
        return 0.0, 0.0
    hit = speech.crop(regions, mode="intersection").duration() if len(speech) else 0.0
    return hit, regions.duration() - hit


def _vad(audio, **options):
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return _timeline((t["start"] / 16000, t["end"] / 16000) for t in get_speech_timestamps(audio, VadOptions(**options)))


def _words(audio, engine, raise_level: bool):
    from lingoflow.asr import level
    from lingoflow.asr.base import AsrOptions

    target = level.TARGET_DBFS
    level.TARGET_DBFS = target if raise_level else float("-inf")  # off: no window is ever below the target
    try:
        result = engine.transcribe(audio, AsrOptions())
    finally:
        level.TARGET_DBFS = target
    return _timeline((s.words[0].start, s.words[-1].end) for s in result.segments if s.words), sum(len(s.words) for s in result.segments)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-decode", action="store_true")
    ap.add_argument("--clips", nargs="*", default=None)
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*uem.*")

    import numpy as np
    from pyannote.core import Segment, Timeline

    from lingoflow.asr import level
    from lingoflow.asr.faster_whisper import FasterWhisperTranscriber
    from lingoflow.io import media

    from .common import header
    from .diarization import clips

    header("speech heard on far-field meetings, by level and VAD setting (../shared/eval/diar)")
    engine = FasterWhisperTranscriber()
    columns = ["vad", "vad raised", "vad thr.35", "vad thr.25"] + ([] if args.no_decode else ["words", "words raised"])
    totals = {c: [0.0, 0.0] for c in columns}
    reference, word_counts, seconds = 0.0, [0, 0], [0.0, 0.0]
    print(f"{'clip':16} {'peak':>5} {'spk pk':>6} {'gain':>5} {'ref s':>5}  " + "  ".join(f"{c:>14}" for c in columns))
    for clip in clips(args.clips):
        from lingoflow import stages

        audio = media.load_wav(stages.ingest(str(clip["wav"])).audio_wav)
        uem = clip["uem"] or Timeline([Segment(0, len(audio) / 16000)])
        speech = clip["ref"].crop(uem).get_timeline().support()
        raised = level.raised(audio)
        regions = {"vad": _vad(audio), "vad raised": _vad(raised), "vad thr.35": _vad(audio, threshold=0.35),
                   "vad thr.25": _vad(audio, threshold=0.25)}
        if not args.no_decode:
            for i, (name, on) in enumerate((("words", False), ("words raised", True))):
                t0 = time.perf_counter()
                regions[name], n = _words(audio, engine, on)
                seconds[i] += time.perf_counter() - t0
                word_counts[i] += n * (clip["set"] != "sample")
        cells = []
        for c in columns:
            hit, extra = _covered(speech, regions[c].crop(uem) if len(regions[c]) else regions[c])
            if clip["set"] != "sample":
                totals[c][0] += hit
                totals[c][1] += extra
            cells.append(f"{hit:5.1f} +{extra:4.1f}")
        reference += speech.duration() * (clip["set"] != "sample")
        peak = 20 * np.log10(max(float(np.abs(audio).max()), 1e-10))
        print(f"{clip['name']:16} {peak:>5.1f} {level.speech_peak_dbfs(audio):>6.1f} {level.gain_db(audio):>5.1f} "
              f"{speech.duration():>5.1f}  " + "  ".join(f"{c:>14}" for c in cells))
    print(f"\nAMI (12 clips, {reference:.1f} s of reference speech): share heard (+ seconds outside the reference speech)")
    for c in columns:
        print(f"  {c:14} {totals[c][0] / max(reference, 1e-9):.3f} (+{totals[c][1]:.1f} s)")
    if not args.no_decode:
        print(f"  words written: {word_counts[0]} as is, {word_counts[1]} raised; decode {seconds[0]:.0f} s / {seconds[1]:.0f} s")
    return {c: round(totals[c][0] / max(reference, 1e-9), 4) for c in columns}


if __name__ == "__main__":
    main()
