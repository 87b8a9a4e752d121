"""Incremental re-runs: first run vs unchanged re-run, and per-file orchestration overhead.

    .venv/bin/python bench/rerun.py [--asr-model base] [--tiny-files 20]

Prints, on this machine (CPU count and load noted; a same-run baseline, never a pass/fail):
1. the sample library (3 lessons, --to pt): first run seconds through the CLI, an unchanged
   re-run through the CLI (all cached: answered without starting Prefect's embedded API),
   and their ratio (goal <= 3 %); plus the same re-run inside the flow (Prefect API warm);
2. Prefect's embedded API start-up: the first flow run of a fresh process minus a second one;
3. a library of many tiny files (no target language): first run and re-run per file, and
   the orchestration overhead per file = (wall - sum of stage seconds) / files.
Each part uses a fresh cache and Prefect home under a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli(env: dict, *args: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "lingoflow.flows.cli", "localize", *args, "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"lingoflow failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - started


def in_process(env: dict, code: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"benchmark step failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


FLOW_TWICE = """
import json, time
from lingoflow.flows.localize import localize_library
from lingoflow.config import LocalizeOptions
o = LocalizeOptions(targets={targets!r}, asr_model={model!r})
t = time.perf_counter(); r1 = localize_library([{lib!r}], {out!r}, o); t1 = time.perf_counter() - t
t = time.perf_counter(); r2 = localize_library([{lib!r}], {out!r}, o); t2 = time.perf_counter() - t
stage = lambda r: sum(s["seconds"] for i in r["items"] for s in i["stages"].values())
print(json.dumps({{"first": t1, "again": t2, "first_stages": stage(r1), "files": len(r1["items"]),
                  "all_cached": all(s["cached"] for i in r2["items"] for s in i["stages"].values())}}))
"""

STARTUP = """
import json, time
from prefect import flow
@flow
def nothing(): return 1
t = time.perf_counter(); nothing(); a = time.perf_counter() - t
t = time.perf_counter(); nothing(); b = time.perf_counter() - t
print(json.dumps({"first": a, "second": b}))
"""


def tiny_library(folder: Path, n: int) -> None:
    """n distinct ~1 s clips: one spoken word over a different length of silence each."""
    from lingoflow.samples import VOICE_A, make_media, speak

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        import numpy as np

        word = speak(["Hello."], [VOICE_A], Path(tmp))
        for i in range(n):
            make_media(np.concatenate([word, np.zeros(200 * (i + 1), dtype=np.float32)]), folder / f"tiny-{i:03d}.wav")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asr-model", default="base")
    ap.add_argument("--tiny-files", type=int, default=20)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lingoflow-bench-"))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_URL")}
    base_env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; ASR model {args.asr_model}")
    try:
        from lingoflow.samples import make_library

        lib = work / "library"
        make_library(lib)
        env = {**base_env, "LINGOFLOW_CACHE": str(work / "cache1"), "PREFECT_HOME": str(work / "prefect1")}
        first = cli(env, str(lib), "--to", "pt", "--out", str(work / "out1"), "--asr-model", args.asr_model)
        again = cli(env, str(lib), "--to", "pt", "--out", str(work / "out1"), "--asr-model", args.asr_model)
        report = json.loads((work / "out1" / "report.json").read_text())
        assert all(s["cached"] for i in report["items"] for s in i["stages"].values()), "the re-run was not fully cached"
        print(f"sample library ({len(report['items'])} files, {report['audio_seconds']:.1f} s of audio, --to pt):")
        print(f"  first run (CLI)              {first:8.2f} s")
        print(f"  unchanged re-run (CLI)       {again:8.2f} s   ratio {100 * again / first:5.2f} %  (goal <= 3 %)")
        env2 = {**base_env, "LINGOFLOW_CACHE": str(work / "cache1"), "PREFECT_HOME": str(work / "prefect2")}
        flows = in_process(env2, FLOW_TWICE.format(targets=["pt"], model=args.asr_model, lib=str(lib), out=str(work / "out1")))
        print(f"  unchanged re-run (flow, Prefect API warm) {flows['again']:6.2f} s   ratio {100 * flows['again'] / first:5.2f} %")

        env3 = {**base_env, "LINGOFLOW_CACHE": str(work / "cache3"), "PREFECT_HOME": str(work / "prefect3")}
        startup = in_process(env3, STARTUP)
        print(f"Prefect embedded API start-up: first flow run of a process {startup['first']:.2f} s, second {startup['second']:.3f} s "
              f"-> start-up ~{startup['first'] - startup['second']:.2f} s (the CLI skips it when everything is cached)")

        tiny = work / "tiny"
        tiny_library(tiny, args.tiny_files)
        env4 = {**base_env, "LINGOFLOW_CACHE": str(work / "cache4"), "PREFECT_HOME": str(work / "prefect3")}
        r = in_process(env4, FLOW_TWICE.format(targets=[], model="tiny.en", lib=str(tiny), out=str(work / "out4")))
        n = r["files"]
        overhead = (r["first"] - r["first_stages"]) / n
        print(f"{n} tiny files (~1 s each, tiny.en, no target; in one process, Prefect API warm):")
        print(f"  first run {r['first']:.2f} s = {r['first'] / n * 1000:.0f} ms a file; stage work {r['first_stages'] / n * 1000:.0f} ms a file; "
              f"orchestration overhead {overhead * 1000:.0f} ms a file")
        print(f"  unchanged re-run {r['again']:.3f} s = {r['again'] / n * 1000:.1f} ms a file (all cached: {r['all_cached']})")
        print(f"load average {os.getloadavg()[0]:.2f} at the end")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
