"""Peak memory and wall time of localizing one long, silent recording (issue 7).

    .venv/bin/python bench/long_silence.py [--hours 5] [--to pt]

Makes an N-hour silent FLAC (8 kHz mono, a few MB) in a temporary folder, runs the real CLI
on it (`--asr-model tiny.en`, a fresh cache so nothing is reused) and prints the wall time
and the peak resident memory of the run (the largest of the CLI process and its ffmpeg
children, from getrusage). A 1-minute file is run first as the same-run baseline.
Nothing is asserted: the figures are for the README and for comparing commits.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def silent_flac(path: Path, seconds: float) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "anullsrc=r=8000:cl=mono:nb_samples=32768", "-t", str(seconds), "-c:a", "flac", str(path)],
        check=True,
    )


def run_once(seconds: float, targets: list[str], tmp: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MiB, exit status) of one CLI run in a child process."""
    lib = tmp / f"lib-{int(seconds)}"
    lib.mkdir()
    silent_flac(lib / "silence.flac", seconds)
    env = {**os.environ, "LINGOFLOW_CACHE": str(tmp / f"cache-{int(seconds)}"),
           "PREFECT_HOME": str(tmp / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    args = [sys.executable, "-m", "lingoflow.flows.cli", "localize", str(lib), "--out", str(tmp / f"out-{int(seconds)}"),
            "--asr-model", "tiny.en", "--quiet"]
    for t in targets:
        args += ["--to", t]
    # a grandchild of this process per run: getrusage(RUSAGE_CHILDREN) keeps the largest
    # descendant's peak, so run each size through its own intermediate process
    probe = (
        "import resource,subprocess,sys,time;"
        "t=time.perf_counter();rc=subprocess.run(sys.argv[1:],cwd=%r).returncode;"
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)" % str(ROOT)
    )
    out = subprocess.run([sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024, int(out[2])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=5.0)
    ap.add_argument("--to", action="append", default=None, help="target language (default: pt)")
    a = ap.parse_args()
    targets = a.to if a.to is not None else ["pt"]
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.python_version()}; targets {targets or 'none'}")
    with tempfile.TemporaryDirectory(prefix="lingoflow-bench-") as tmp:
        for seconds in (60.0, a.hours * 3600):
            wall, rss, rc = run_once(seconds, targets, Path(tmp))
            print(f"{seconds / 3600:7.3f} h of silence: {wall:7.1f} s wall, peak RSS {rss:7.0f} MiB, exit {rc}")


if __name__ == "__main__":
    main()
