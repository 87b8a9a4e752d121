"""How much reference speech the ASR hears on far-field meetings, by input level and VAD setting.

Measured for issue 17 (is Silero VAD on quiet far-field audio why AMI speech goes missing?):
raising quiet audio first changes what Silero finds by about 1 % of the reference speech and
what Whisper writes within its run-to-run scatter, so lingoflow does not do it (docs/voices.md).

    python -m bench.vad_levels [--no-decode] [--clips trn00 dev01 ...]

Per clip of ../shared/eval/diar (AMI + the pyannote sample): its levels (peak, speech peaks =
the loudest 5 % of 20 ms frames, the gain the level step below gives it), the reference
speech inside the UEM, and the seconds of it covered
- by Silero VAD's speech regions as faster-whisper decodes them (its default options: threshold
  0.5, 2 s minimum silence, 0.4 s pads) on the audio as it is, on the audio raised (a quiet
  recording's speech peaks, the loudest 5 % of 20 ms frames, brought up to -20 dBFS, by at most
  30 dB, never lowered),
  and at lower thresholds (0.35, 0.25) on the audio as it is; "extra" is what those regions
  hold outside the reference speech;
- by the transcript's words (each segment from its first to its last word: the span a user gets
  and bench.diarization scores) from lingoflow's engine on the audio as it is and raised, in the
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


TARGET_DBFS, MAX_GAIN_DB = -20.0, 30.0


def speech_peak_dbfs(audio) -> float:
    """The level (dBFS) of the loudest 5 % of 20 ms frames."""
    import numpy as np

    frames = audio[: len(audio) // 320 * 320].reshape(-1, 320)
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    return float(20 * np.log10(max(float(np.percentile(rms, 95)), 1e-10)))


def gain_db(audio) -> float:
    return min(max(TARGET_DBFS - speech_peak_dbfs(audio), 0.0), MAX_GAIN_DB)


def raised(audio):
    import numpy as np

    return np.clip(audio * np.float32(10 ** (gain_db(audio) / 20)), -1.0, 1.0).astype(np.float32)


def _words(audio, engine):
    from lingoflow.asr.base import AsrOptions

    result = engine.transcribe(audio, AsrOptions())
    return _timeline((s.words[0].start, s.words[-1].end) for s in result.segments if s.words), sum(len(s.words) for s in result.segments)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-decode", action="store_true")
    ap.add_argument("--clips", nargs="*", default=None)
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*uem.*")

    import numpy as np
    from pyannote.core import Segment, Timeline

    from lingoflow.asr.faster_whisper import FasterWhisperTranscriber
    from lingoflow.io import media

    from .common import header
    from .diarization import clips

    header("speech heard on far-field meetings, by level and VAD setting (../shared/eval/diar)")
    engine = FasterWhisperTranscriber()
    columns = ["vad", "vad raised", "vad thr.35", "vad thr.25"] + ([] if args.no_decode else ["words", "words raised"])
    totals = {c: [0.0, 0.0] for c in columns}
    reference, word_counts, seconds, n_ami = 0.0, [0, 0], [0.0, 0.0], 0
    print(f"{'clip':16} {'peak':>5} {'spk pk':>6} {'gain':>5} {'ref s':>5}  " + "  ".join(f"{c:>14}" for c in columns))
    for clip in clips(args.clips):
        from lingoflow.pipeline.ingest import ingest

        audio = media.load_wav(ingest(str(clip["wav"])).audio_wav)
        uem = clip["uem"] or Timeline([Segment(0, len(audio) / 16000)])
        speech = clip["ref"].crop(uem).get_timeline().support()
        louder = raised(audio)
        regions = {"vad": _vad(audio), "vad raised": _vad(louder), "vad thr.35": _vad(audio, threshold=0.35),
                   "vad thr.25": _vad(audio, threshold=0.25)}
        if not args.no_decode:
            for i, (name, heard) in enumerate((("words", audio), ("words raised", louder))):
                t0 = time.perf_counter()
                regions[name], n = _words(heard, engine)
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
        n_ami += clip["set"] != "sample"
        peak = 20 * np.log10(max(float(np.abs(audio).max()), 1e-10))
        print(f"{clip['name']:16} {peak:>5.1f} {speech_peak_dbfs(audio):>6.1f} {gain_db(audio):>5.1f} "
              f"{speech.duration():>5.1f}  " + "  ".join(f"{c:>14}" for c in cells))
    print(f"\nAMI ({n_ami} clips, {reference:.1f} s of reference speech): share heard (+ seconds outside the reference speech)")
    for c in columns:
        print(f"  {c:14} {totals[c][0] / max(reference, 1e-9):.3f} (+{totals[c][1]:.1f} s)")
    if not args.no_decode:
        print(f"  words written: {word_counts[0]} as is, {word_counts[1]} raised; decode {seconds[0]:.0f} s / {seconds[1]:.0f} s")
    return {c: round(totals[c][0] / max(reference, 1e-9), 4) for c in columns}


if __name__ == "__main__":
    main()
