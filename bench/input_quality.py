"""Input-quality warnings against WER: calibration of lingoflow/quality/input_checks.py (`make eval`).

    python -m bench.input_quality [--quick] [--write-calibration] [--vad]

The set: the ASR clips of ../shared/eval with references (manifest.tsv, stereo channels apart),
copies of the longer ones degraded here (ffmpeg: clipped by 18 dB of gain, band-limited to a
telephone's 8 kHz sampling; pink noise added at 5 dB SNR), and the real far-field meetings
(diar/ami, pyannote_sample) whose reference is speaker turns only: their error is the share of
reference speech (inside the UEM) that no transcript word covers ("missed").
Each file: lingoflow's transcript (the transcribe stage, model base, through the result cache),
its input-quality figures and warnings, its WER (or missed share). Printed: per file; the rank
correlation (Spearman) between the quality score and WER / missed share; per warning, the
error of the files it flags against the clean files (no warning) of the same set. A warning whose
flagged files err by at least EXCESS more than the clean ones is an "expect more errors";
otherwise a note. --write-calibration stores that in lingoflow/quality/calibration.json.
--vad: the per-file VAD threshold experiment (docs/quality.md): quiet files decoded with a lower
Silero threshold, reference speech heard against the default.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from .common import SHARED_EVAL, header, save, table

EXCESS = 0.05
DEGRADATIONS = ("clipped", "narrowband", "noise5db")


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def _pink(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    noise = np.fft.irfft(spectrum, n)
    return noise / np.sqrt(np.mean(noise ** 2))


def degrade(src: Path, kind: str, out: Path) -> Path:
    """A degraded 16 kHz mono copy of `src`: clipped, narrowband, or noise5db."""
    if kind == "clipped":  # 18 dB of gain into 16-bit samples: the loud half of the speech flat-topped
        _ffmpeg("-i", f"file:{src}", "-ac", "1", "-ar", "16000", "-af", "volume=18dB", "-c:a", "pcm_s16le", f"file:{out}")
    elif kind == "narrowband":  # a telephone line: 300-3400 Hz, 8 kHz sampling (lingoflow upsamples it again)
        _ffmpeg("-i", f"file:{src}", "-ac", "1", "-af", "highpass=f=300,lowpass=f=3400", "-ar", "8000", "-c:a", "pcm_s16le", f"file:{out}")
    elif kind == "noise5db":
        clean = out.with_name(out.stem + ".clean.wav")
        _ffmpeg("-i", f"file:{src}", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", f"file:{clean}")
        with wave.open(str(clean)) as w:
            audio = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64) / 32768
        clean.unlink()
        frames = audio[: len(audio) // 320 * 320].reshape(-1, 320)
        power = np.mean(frames ** 2, axis=1)
        speech_power = float(power[power >= np.percentile(power, 50)].mean())  # the louder half of the frames: the speech
        mixed = audio + _pink(len(audio)) * np.sqrt(speech_power / 10 ** (5 / 10))
        mixed *= min(1.0, 0.9 / max(np.abs(mixed).max(), 1e-9))
        with wave.open(str(out), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
            w.writeframes((mixed * 32767).astype(np.int16).tobytes())
    else:
        raise ValueError(kind)
    return out


def text_set(tmp: Path, quick: bool) -> list[dict]:
    from .eval import asr_inputs

    clips = [{"name": p.stem, "path": p, "reference": ref, "set": "clean"} for p, _, ref in asr_inputs(tmp, quick)]
    for clip in [c for c in clips if c["name"] in ("en_jfk", "en_fw_stereo_diarization-ch0")][: 1 if quick else 2]:
        for kind in DEGRADATIONS:
            clips.append({**clip, "name": f"{clip['name']}+{kind}", "path": degrade(clip["path"], kind, tmp / f"{clip['name']}+{kind}.wav"),
                          "set": "degraded"})
    return clips


def meeting_set(quick: bool) -> list[dict]:
    from .diarization import clips

    out = [{"name": c["name"], "path": c["wav"], "speech": c["ref"], "uem": c["uem"], "set": "meeting"} for c in clips(None)]
    return out[:3] if quick else out


def missed(transcript, speech, uem) -> float:
    """Share of the reference speech (inside the UEM) that no transcript word covers."""
    from pyannote.core import Segment, Timeline

    from lingoflow.speakers.diarize.assign import speech_regions

    ref = (speech.crop(uem) if uem is not None else speech).get_timeline().support()
    if not ref.duration():
        return 0.0
    heard = Timeline([Segment(s, e) for s, e in speech_regions(transcript.segments)]).support()
    hit = ref.crop(heard, mode="intersection").duration() if len(heard) else 0.0
    return round(1 - hit / ref.duration(), 4)


def measure_all(files: list[dict], model: str) -> list[dict]:
    from lingoflow.config import LocalizeOptions
    from lingoflow.speakers.diarize.assign import speech_regions
    from lingoflow.paths import cache_dir
    from lingoflow.quality import metrics
    from lingoflow.quality.evaluate import transcript_for
    from lingoflow.quality.input_checks import measure
    from lingoflow.store.cache import ResultStore
    from lingoflow.store.storage import LocalStore

    results = ResultStore(LocalStore(cache_dir()))
    options = LocalizeOptions(asr_model=model, source_captions="ignore")
    for f in files:
        ingested, transcript, _, _ = transcript_for(str(f["path"]), options, results)
        f["quality"] = measure(ingested.audio_wav, speech_regions(transcript.segments))
        if "reference" in f:
            f["error"] = metrics.wer([f["reference"]], [" ".join(s.text for s in transcript.segments)])
        else:
            f["error"] = missed(transcript, f["speech"], f["uem"])
        f["transcript"], f["audio_wav"] = transcript, ingested.audio_wav
    return files


def spearman(x: list[float], y: list[float]) -> float | None:
    from scipy.stats import spearmanr

    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    return round(float(spearmanr(x, y).statistic), 3)


def calibrate(files: list[dict]) -> dict:
    """Per warning: the flagged files' mean error against the clean files of their sets."""
    from lingoflow.quality.input_checks import EXPECT_ERRORS, LEVELS, NOTE

    clean = {}
    for kind in ("text", "meeting"):
        group = [f for f in files if ("reference" in f) == (kind == "text") and not f["quality"].warnings]
        clean[kind] = float(np.mean([f["error"] for f in group])) if group else None
    out = {}
    for name in LEVELS:
        flagged = [f for f in files if any(w.name == name for w in f["quality"].warnings)]
        excess = [f["error"] - clean["text" if "reference" in f else "meeting"] for f in flagged
                  if clean["text" if "reference" in f else "meeting"] is not None]
        mean_excess = round(float(np.mean(excess)), 4) if excess else None
        out[name] = {"files": [f["name"] for f in flagged], "mean_error_excess": mean_excess,
                     "severity": EXPECT_ERRORS if mean_excess is not None and mean_excess >= EXCESS else NOTE}
    return {"clean_mean_error": clean, "warnings": out}


def vad_experiment(files: list[dict], model: str) -> dict:
    """Quiet or far-field files (a 'quiet' or 'noisy' warning) decoded again with Silero's threshold
    lowered from 0.5 to 0.35 (bare faster-whisper, lingoflow's decode settings): the reference
    speech heard (1 - missed) and WER where there is text, each threshold."""
    from faster_whisper.vad import VadOptions  # noqa: F401  (the engine's own VAD)

    from lingoflow.asr.faster_whisper import load_model
    from lingoflow.io import media
    from lingoflow.quality import metrics
    from lingoflow.schema import Segment, Word

    whisper = load_model(model)
    rows = []
    for f in files:
        if not any(w.name in ("quiet", "noisy") for w in f["quality"].warnings):
            continue
        audio = media.load_wav(f["audio_wav"])
        row = {"file": f["name"], "default": f["error"]}
        for threshold in (0.5, 0.35):
            segments, _ = whisper.transcribe(audio, beam_size=5, vad_filter=True, vad_parameters={"threshold": threshold},
                                             word_timestamps=True, condition_on_previous_text=False)
            segs = [Segment(i, s.start, s.end, s.text, words=[Word(w.start, w.end, w.word) for w in (s.words or [])]) for i, s in enumerate(segments)]
            if "reference" in f:
                row[str(threshold)] = metrics.wer([f["reference"]], [" ".join(s.text for s in segs)])
            else:
                row[str(threshold)] = missed(type("T", (), {"segments": segs}), f["speech"], f["uem"])
        rows.append(row)
    return {"rows": rows, "mean_0.5": round(float(np.mean([r["0.5"] for r in rows])), 4) if rows else None,
            "mean_0.35": round(float(np.mean([r["0.35"] for r in rows])), 4) if rows else None}


def run(quick: bool = False, write_calibration: bool = False, vad: bool = False, model: str = "base") -> dict:
    from lingoflow.quality.input_checks import CALIBRATION

    tmp = Path(tempfile.mkdtemp(prefix="lingoflow-input-quality-"))
    try:
        files = measure_all(text_set(tmp, quick) + meeting_set(quick), model)
        print(f"## Input quality against WER (text references) and missed reference speech (meetings); ASR {model}")
        table([(f["name"], f["set"], f"{f['error']:.3f}", f["quality"].score, f["quality"].bandwidth_hz, f"{100 * f['quality'].clipped:.2f}",
                f["quality"].speech_peak_dbfs, f["quality"].snr_db, f["quality"].speech_share, ", ".join(w.name for w in f["quality"].warnings) or "-")
               for f in sorted(files, key=lambda f: -f["error"])],
              ("file", "set", "WER/missed", "score", "band Hz", "clip %", "peak dBFS", "SNR dB", "speech", "warnings"))
        text = [f for f in files if "reference" in f]
        meet = [f for f in files if "reference" not in f]
        corr = {"score_vs_wer": spearman([f["quality"].score for f in text], [f["error"] for f in text]),
                "score_vs_missed_speech": spearman([f["quality"].score for f in meet], [f["error"] for f in meet]),
                "text_files": len(text), "meeting_files": len(meet)}
        print(f"\nSpearman rank correlation, quality score vs WER: {corr['score_vs_wer']} ({len(text)} files); "
              f"vs missed speech on meetings: {corr['score_vs_missed_speech']} ({len(meet)} files) (negative: a lower score, more errors)")
        calib = calibrate(files)
        print("\n## Warnings: the flagged files' mean error above the clean files of their set")
        table([(n, len(c["files"]), c["mean_error_excess"], c["severity"], ", ".join(c["files"])[:80]) for n, c in calib["warnings"].items()],
              ("warning", "files", "error excess", "severity", "flagged"))
        result = {"model": model, "correlation": corr, "calibration": calib,
                  "files": [{"name": f["name"], "set": f["set"], "error": f["error"], **f["quality"].to_dict()} for f in files]}
        if vad:
            result["vad_threshold"] = vad_experiment(files, model)
            print("\n## Quiet/noisy files: Silero VAD threshold 0.5 (default) against 0.35 (WER, or missed reference speech)")
            table([(r["file"], r["0.5"], r["0.35"]) for r in result["vad_threshold"]["rows"]], ("file", "0.5", "0.35"))
        if write_calibration and not quick:
            CALIBRATION.write_text(json.dumps({"source": "bench/input_quality.py on ../shared/eval", "model": model, "excess": EXCESS,
                                               "correlation": corr, **calib}, indent=2) + "\n")
            print(f"calibration written: {CALIBRATION}")
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--write-calibration", action="store_true")
    ap.add_argument("--vad", action="store_true")
    ap.add_argument("--asr-model", default="base")
    args = ap.parse_args(argv)
    results = header("input quality against WER" + (" (quick)" if args.quick else ""))
    results.update(run(args.quick, args.write_calibration, args.vad, args.asr_model))
    save("input-quality-quick" if args.quick else "input-quality", results, args.quick)
    return results


if __name__ == "__main__":
    main()
