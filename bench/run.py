"""`make bench`: speed and memory figures, each next to a same-run baseline. Never pass/fail.

    python -m bench.run            # full (a few minutes on 2 cores)
    python -m bench.run --quick    # reduced inputs, for the test that keeps this script alive
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from . import asr, clips
from .common import ROOT, header, machine, median, peak_rss_mb_of, save, table

LINGOFLOW = [sys.executable, "-m", "lingoflow.flows.cli", "localize"]


def _fresh_cache(tmp: Path) -> dict:
    """A cold cache (nothing reused) that still shares the assembled embedded model."""
    from .common import share_models

    cache = tmp / "cache"
    share_models(cache)
    # each run starts its own embedded API, as a first run does (bench/startup.py measures the reuse)
    return {"LINGOFLOW_CACHE": str(cache), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING",
            "LINGOFLOW_API_IDLE_SECONDS": "0"}


def localize(src: Path, targets: list[str], tmp: Path, env: dict, extra: list[str] = ()) -> tuple[float, dict, float]:
    out = tmp / f"out-{len(list(tmp.iterdir()))}"
    args = LINGOFLOW + [str(src), "--out", str(out), "--quiet", *extra]
    for t in targets:
        args += ["--to", t]
    wall, rss, rc = peak_rss_mb_of(args, env)
    report = json.loads((out / "report.json").read_text())
    if rc != 0:
        raise SystemExit(f"lingoflow failed on {src}: {report['items'][0]['error']}")
    return wall, report, rss


def stage_shares(report: dict) -> dict:
    stages: dict[str, float] = {}
    for item in report["items"]:
        for name, st in item["stages"].items():
            key = name.split(".")[0]
            stages[key] = stages.get(key, 0.0) + st["seconds"]
    total = sum(stages.values()) or 1.0
    return {k: round(v / total, 3) for k, v in stages.items()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small inputs, one repeat (for tests)")
    args = parser.parse_args(argv)
    results = header("lingoflow bench" + (" (quick)" if args.quick else ""))
    tmp = Path(tempfile.mkdtemp(prefix="lingoflow-bench-"))
    try:
        dense = clips.speech_dense(20.0 if args.quick else 150.0) if not args.quick else _quick_clip(tmp)
        results["inputs"] = {"speech_dense": {"path": str(dense), "seconds": round(clips.duration(dense), 1)}}

        # 1. end to end, one target language, default engines, cold cache
        wall, report, rss_short = localize(dense, ["pt"], tmp, _fresh_cache(tmp / "c1"))
        e2e = {
            "audio_seconds": report["audio_seconds"],
            "process_wall_seconds": round(wall, 2),
            "flow_wall_seconds": report["wall_seconds"],
            "realtime_factor_process": round(report["audio_seconds"] / wall, 2),
            "realtime_factor_flow": report["realtime_factor"],
            "stage_share": stage_shares(report),
            "peak_rss_mb": round(rss_short, 1),
        }
        results["end_to_end"] = e2e
        print("## End to end (one target: pt, cold cache)")
        table([(f"{e2e['audio_seconds']:.1f}", f"{wall:.1f}", e2e["realtime_factor_process"], e2e["realtime_factor_flow"], f"{rss_short:.0f}")],
              ("audio s", "wall s", "RTF (process)", "RTF (flow)", "peak RSS MB"))
        table(sorted(((k, f"{v * 100:.1f}%") for k, v in e2e["stage_share"].items()), key=lambda r: -float(r[1][:-1])), ("stage", "share of stage time"))

        # 2. ASR stage vs bare faster-whisper (same file, model, settings), and its batched pipeline
        batched_run = not args.quick
        cmp = asr.compare(dense, "base", repeats=1 if args.quick else 3, batched=batched_run)
        results["asr_vs_bare"] = cmp
        print("## ASR stage vs bare faster-whisper (base, int8, beam 5, VAD, word timestamps)")
        table([(cmp["audio_seconds"], cmp["lingoflow_seconds"], cmp["bare_seconds"], cmp["ratio"], cmp.get("bare_batched_seconds"), cmp.get("batched_speedup"),
                f"{cmp.get('batched_words_deleted')}/{cmp.get('sequential_words')}" if batched_run else None)],
              ("audio s", "lingoflow s", "bare s", "ratio (goal>=0.95)", "bare batched s", "batched speed-up", "batched: words lost"))

        # 2b. lingoflow's batched decoder against its sequential one
        results["asr_batched"] = _batched(dense, args.quick)

        # 3. cost of more target languages
        results["languages"] = _languages(dense, tmp, report, args.quick)

        # 4. memory: short vs long file
        if not args.quick:
            long = clips.long_file(30.0)
            wall_l, report_l, rss_long = localize(long, ["pt"], tmp, _fresh_cache(tmp / "c2"))
            results["memory"] = {"short": {"audio_seconds": report["audio_seconds"], "peak_rss_mb": round(rss_short, 1)},
                                 "long": {"audio_seconds": report_l["audio_seconds"], "peak_rss_mb": round(rss_long, 1), "wall_seconds": round(wall_l, 1)}}
            print("## Peak resident memory (whole `lingoflow localize` process tree, largest process)")
            table([("short", f"{report['audio_seconds']:.0f}", f"{rss_short:.0f}"), ("long", f"{report_l['audio_seconds']:.0f}", f"{rss_long:.0f}")],
                  ("file", "audio s", "peak RSS MB"))

        # 5. unchanged re-run and orchestration overhead
        results["rerun"] = _rerun(dense, tmp, args.quick)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    save("bench-quick" if args.quick else "bench", results, args.quick)
    return results


def _batched(dense: Path, quick: bool) -> dict:
    from lingoflow.config import LocalizeOptions

    batch = LocalizeOptions().asr_batch or 8  # the default when batched, else 8
    real = asr.real_recordings()
    sets = {"real recordings": real[:2] if quick else real}
    if not quick:
        sets["150 s clip"] = [dense]
    res = asr.batched_vs_sequential(sets, "base", batch=batch, repeats=1 if quick else 2)
    m = machine()
    print(f"## ASR: batched (--asr-batch {batch}) vs sequential (--asr-batch 0), same run, both decoders alternating "
          f"(base, int8; {m['cores']} cores, {m['cpu']}; wall seconds on a shared machine, CPU seconds beside them)")
    rows = []
    for name, r in res.items():
        rows.append((name, r["files"], r["audio_seconds"], r.get("sequential_seconds", ""), r.get("batched_seconds", ""),
                     f"{r['speedup']}x" if "speedup" in r else "", f"{r['speedup_cpu_time']}x" if "speedup_cpu_time" in r else "",
                     f"{r['words_lost']}/{r['sequential_words']} ({r['words_lost_share'] * 100:.2f}%)" if "words_lost" in r else "",
                     r.get("wer_sequential", ""), r.get("wer_batched", "")))
    table(rows, ("set", "files", "audio s", "sequential s", "batched s", "speed-up (wall)", "speed-up (CPU time)",
                 "words lost (goal<=0.5%)", "WER seq", "WER batched"))
    return res


def _quick_clip(tmp: Path) -> Path:
    from lingoflow.samples import make_library

    return make_library(tmp / "lib")[1]  # the MP3 lesson, ~10 s


def _languages(dense: Path, tmp: Path, first: dict, quick: bool) -> dict:
    """Per-language stage seconds (translate, captions, synthesize) of each target."""
    langs = ["pt"]
    extra = os.environ.get("LINGOFLOW_BENCH_EXTRA_TARGETS", "")
    langs += [x for x in extra.split(",") if x]
    per_lang: dict[str, float] = {}
    item = first["items"][0]
    for name, st in item["stages"].items():
        if "." in name and not name.startswith("captions.en"):
            lang = name.split(".", 1)[1]
            per_lang[lang] = per_lang.get(lang, 0.0) + st["seconds"]
    total = sum(st["seconds"] for st in item["stages"].values())
    out = {"first_language_stage_seconds": round(per_lang.get("pt", 0.0), 3), "all_stages_seconds": round(total, 3),
           "added_cost_per_language": round(per_lang.get("pt", 0.0) / total, 3) if total else None}
    print("## Cost of each additional target language")
    print(f"per-language stages (translate, captions, synthesize) for pt: {out['first_language_stage_seconds']:.2f} s of {total:.2f} s "
          f"=> each further language adds about {out['added_cost_per_language'] * 100:.0f}% (ASR, ingest and mux are shared)\n")
    return out


def _rerun(dense: Path, tmp: Path, quick: bool) -> dict:
    env = _fresh_cache(tmp / "c3")
    out = tmp / "rerun-out"
    args = LINGOFLOW + [str(dense), "--out", str(out), "--quiet", "--to", "pt"]
    first, _, _ = peak_rss_mb_of(args, env)
    again = [peak_rss_mb_of(args, env)[0] for _ in range(1 if quick else 3)]
    report = json.loads((out / "report.json").read_text())
    cached = sum(1 for st in report["items"][0]["stages"].values() if st.get("cached"))
    res = {"first_seconds": round(first, 2), "rerun_seconds": round(median(again), 2), "ratio": round(median(again) / first, 3),
           "stages_cached_on_rerun": cached, "stages": len(report["items"][0]["stages"])}
    # many tiny files: orchestration overhead per file
    from lingoflow.samples import make_media
    import numpy as np

    lib = tmp / "tiny-lib"
    lib.mkdir()
    n = 3 if quick else 12
    for i in range(n):  # each its own bytes (same bytes would be served from the cache)
        make_media(np.random.default_rng(i).normal(0, 1e-4, 8000).astype(np.float32), lib / f"tiny-{i:02d}.wav")
    t0 = time.perf_counter()
    wall_one, _, _ = peak_rss_mb_of(LINGOFLOW + [str(lib / "tiny-00.wav"), "--out", str(tmp / "t1"), "--quiet", "--asr-model", "tiny.en"], env)
    wall_n, _, _ = peak_rss_mb_of(LINGOFLOW + [str(lib), "--out", str(tmp / "tn"), "--quiet", "--asr-model", "tiny.en"], env)
    res["tiny_files"] = n
    res["per_file_overhead_seconds"] = round((wall_n - wall_one) / (n - 1), 3)
    res["process_startup_seconds"] = round(wall_one, 2)
    print("## Re-run and orchestration")
    table([(res["first_seconds"], res["rerun_seconds"], f"{res['ratio'] * 100:.1f}%", f"{cached}/{res['stages']}",
            res["per_file_overhead_seconds"], res["process_startup_seconds"])],
          ("first run s", "unchanged re-run s", "ratio (goal<=3%)", "stages cached", "per tiny file s", "1-file run s"))
    return res


if __name__ == "__main__":
    main()
