"""`make eval`: language identification on a library of 8 s cuts of every real recording of ../shared/eval.

    python -m bench.language_id            # Whisper alone, then lingoflow's library run (a few minutes)
    python -m bench.language_id --alone    # Whisper's own guess only (no library run)

The cuts are made at run time with ffmpeg into a temporary folder (never stored): every 8 s of
each recording (a shorter recording whole). Each cut's language: English, except the German half
of en+de_fw_multilingual.mp3 (from 30 s on); the cut spanning the switch is left out, and so are
cuts without speech (the nearly silent AMI clips). Printed per cut: Whisper's first-window guess
and probability, and the language `lingoflow localize` decided in a library run with the prior
(report.json), with what decided it. Also: the cost of the extra detection windows, as the
share of the transcribe stage's seconds, on the library and on the full recordings.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import SHARED_EVAL, header, save, table

CUT_SECONDS = 8.0
SWITCH_AT = 30.0  # en+de_fw_multilingual.mp3: the German reading starts here
LINGOFLOW = [sys.executable, "-m", "lingoflow.flows.cli", "localize"]


def recordings() -> list[Path]:
    """Every real recording with speech in ../shared/eval."""
    asr = sorted((SHARED_EVAL / "asr").glob("*.*"))
    diar = sorted((SHARED_EVAL / "diar").rglob("*.wav"))
    return [p for p in asr + diar if p.suffix in (".wav", ".flac", ".mp3")]


def duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip())


def truth(path: Path, start: float, end: float) -> str | None:
    if "en+de" not in path.name:
        return "en"
    if end <= SWITCH_AT + 0.5:
        return "en"
    return "de" if start >= SWITCH_AT - 0.5 else None  # the cut across the switch: no single language


def cut_library(folder: Path) -> dict[str, str]:
    """The 8 s cuts as 16 kHz mono WAVs in `folder`; {file name: language}."""
    labels = {}
    for rec in recordings():
        total = duration(rec)
        starts = [0.0] if total <= CUT_SECONDS else [i * CUT_SECONDS for i in range(int(total // CUT_SECONDS))]
        for start in starts:
            end = min(start + CUT_SECONDS, total)
            lang = truth(rec, start, end)
            if lang is None:
                continue
            name = f"{rec.parent.name}_{rec.stem}_{int(start):03d}.wav"
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", str(start), "-t", str(end - start), "-i", str(rec), "-ac", "1", "-ar", "16000",
                            str(folder / name)], check=True)
            labels[name] = lang
    return labels


def alone(folder: Path, labels: dict[str, str]) -> dict[str, dict]:
    """Whisper's own first-window guess of each cut (its VAD speech, as lingoflow hears it)."""
    from faster_whisper import decode_audio
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from lingoflow.asr import batched, language
    from lingoflow.asr.faster_whisper import load_model

    model = load_model("base")
    out = {}
    for name in labels:
        audio = decode_audio(str(folder / name))
        regions = get_speech_timestamps(audio, VadOptions())
        if not regions:
            out[name] = {"speech": False}
            continue
        speech = batched.Chunk(regions).audio(audio)
        import numpy as np

        dist = language.distributions(model, np.stack([pad_or_trim(model.feature_extractor(speech)[..., :-1])]))[0]
        lid = language.heard([dist])
        out[name] = {"speech": True, "detected": lid.detected, "probability": round(lid.probability, 3)}
    return out


def library_run(folder: Path, out: Path) -> dict[str, dict]:
    """`lingoflow localize` on the library (no targets, one speaker): each item's language_id."""
    started = time.perf_counter()
    proc = subprocess.run([*LINGOFLOW, str(folder), "--out", str(out), "--diarize-engine", "none", "--quiet"], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"lingoflow localize failed ({proc.returncode}): {proc.stderr[-2000:]}")
    report = json.loads((out / "report.json").read_text())
    print(f"library run: {time.perf_counter() - started:.1f} s (shared machine)")
    return {Path(i["source"]).name: i for i in report["items"]}


def window_seconds(repeat: int = 5) -> float:
    """CPU seconds of one extra detection window (its mel, encoder pass and language step), the median of `repeat`."""
    import statistics

    import numpy as np
    from faster_whisper import decode_audio

    from lingoflow.asr import language
    from lingoflow.asr.faster_whisper import load_model

    model = load_model("base")
    speech = decode_audio(str(SHARED_EVAL / "asr" / "en+de_fw_multilingual.mp3"))
    window = language.speech_windows(speech, 1)
    times = []
    for _ in range(repeat):
        started = time.process_time()
        from faster_whisper.audio import pad_or_trim

        language.distributions(model, np.stack([pad_or_trim(model.feature_extractor(w)[..., :-1]) for w in window]))
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alone", action="store_true", help="Whisper's own guess only")
    args = parser.parse_args()
    meta = header("Language identification: 8 s cuts of ../shared/eval")
    if not SHARED_EVAL.is_dir():
        raise SystemExit(f"{SHARED_EVAL} not found")
    with tempfile.TemporaryDirectory(prefix="lingoflow-lid-") as tmp:
        folder = Path(tmp) / "library"
        folder.mkdir()
        labels = cut_library(folder)
        heard = alone(folder, labels)
        items = {} if args.alone else library_run(folder, Path(tmp) / "out")
    rows, right_alone, right_library, scored = [], 0, 0, 0
    for name, lang in labels.items():
        h = heard[name]
        if not h["speech"]:
            rows.append([name, lang, "no speech", "", "", ""])
            continue
        scored += 1
        right_alone += h["detected"] == lang
        item = items.get(name, {})
        lid = item.get("language_id") or {}
        decided = item.get("language")
        right_library += decided == lang
        rows.append([name, lang, h["detected"], f"{h['probability']:.2f}", decided or "", lid.get("decided_by", "")])
    table([tuple(r) for r in rows], ("cut", "truth", "Whisper alone", "p", "lingoflow library", "decided by"))
    summary = {"cuts": len(labels), "scored": scored, "right_alone": right_alone}
    print(f"\nWhisper alone: {right_alone}/{scored} right")
    if items:
        summary["right_library"] = right_library
        print(f"lingoflow library run (prior): {right_library}/{scored} right")
        transcribe = sum(i["stages"].get("transcribe", {}).get("seconds", 0) for i in items.values())
        extra = sum(max(0, (i.get("language_id") or {}).get("windows", 1) - 1) for i in items.values())
        per_window = window_seconds()
        print(f"transcribe stage, all cuts: {transcribe:.1f} s; extra detection windows heard: {extra}, "
              f"{per_window:.2f} CPU s each: {100 * extra * per_window / max(transcribe, 1e-9):.1f} % of the transcribe stage")
        by = {}
        for i in items.values():
            by[(i.get("language_id") or {}).get("decided_by", "?")] = by.get((i.get("language_id") or {}).get("decided_by", "?"), 0) + 1
        print("decided by: " + ", ".join(f"{k} {v}" for k, v in sorted(by.items())))
        summary.update(transcribe_seconds=round(transcribe, 2), extra_windows=extra, window_cpu_seconds=round(per_window, 3), decided_by=by)
    save("language_id", {**meta, "summary": summary, "rows": rows})


if __name__ == "__main__":
    main()
