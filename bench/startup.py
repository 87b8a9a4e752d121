"""Start-up and per-file orchestration: what a run costs besides its stages.

    python -m bench.startup            # 3 rounds
    python -m bench.startup --quick    # 1 round, 4 tiny files (for the test that keeps it alive)

- Time to the first stage: from launching `lingoflow localize` on one short file to its first
  stage starting, read from the Prefect API's own record of the run (the ingest task run's start).
  Cold: no embedded API running (a user's first run; Prefect's database exists). Warm: the API a
  previous run left up (flows/tuning/embedded.py: every run within LINGOFLOW_API_IDLE_SECONDS).
- Per tiny file (0.5 s of silence): the CLI on N files against 1, per added file, next to
  lingoflow's stage functions called without Prefect (bench/direct.py) on the same files: the
  difference is the orchestration per file.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .common import ROOT, header, median, save, table
from .pipeline import cold_env, stop_shared_api

CLI = [sys.executable, "-m", "lingoflow.flows.cli", "localize", "--quiet", "--asr-model", "tiny.en"]


def _run(args: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(args[:6])}: {proc.stderr[-1500:]}")
    return time.perf_counter() - t0


def _api(prefect_home: Path) -> str:
    return json.loads((prefect_home / "lingoflow-api.json").read_text())["url"]


def _first_stage_after(api: str, launched: datetime) -> float:
    """Seconds from `launched` to the start of the first ingest task run after it (the server
    records task runs from their events, a moment after the run)."""
    body = {"task_runs": {"name": {"like_": "ingest"}}, "sort": "EXPECTED_START_TIME_DESC", "limit": 20}
    for _ in range(100):
        req = urllib.request.Request(f"{api}/task_runs/filter", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            starts = [datetime.fromisoformat(r["start_time"]) for r in json.loads(resp.read()) if r["start_time"]]
        starts_all, starts = starts, [t for t in starts if t > launched]
        if starts:
            return (min(starts) - launched).total_seconds()
        time.sleep(0.2)
    raise SystemExit(f"no ingest task run recorded on {api} after {launched.isoformat()} (last seen: {starts_all})")


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def _stop_api(prefect_home: Path) -> None:
    """End the API a run left up, and wait until it is gone."""
    try:
        pid = int(json.loads((prefect_home / "lingoflow-api.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return
    stop_shared_api(prefect_home)
    for _ in range(100):
        if _gone(pid):
            return
        time.sleep(0.1)


def _one_file(src: Path, out: Path, env: dict, home: Path) -> tuple[float, float]:
    """(wall s, s to the first stage) of a 1-file run."""
    launched = datetime.now(timezone.utc)
    wall = _run(CLI + [str(src), "--out", str(out)], env)
    return wall, _first_stage_after(_api(home), launched)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    from lingoflow.samples import make_media

    results = header("start-up and orchestration per file" + (" (quick)" if args.quick else ""))
    tmp = Path(tempfile.mkdtemp(prefix="lingoflow-startup-"))
    home = tmp / "prefect-home"
    n, rounds = (4, 1) if args.quick else (12, 3)
    lib = tmp / "tiny"
    lib.mkdir()
    for i in range(n):  # each its own bytes (same bytes would be served from the cache)
        make_media(np.random.default_rng(i).normal(0, 1e-4, 8000).astype(np.float32), lib / f"tiny-{i:02d}.wav")
    files = sorted(lib.iterdir())

    def env(tag: str) -> dict:  # every run its own cold result cache, all one PREFECT_HOME
        return {**cold_env(tmp / tag), "PREFECT_HOME": str(home), "LINGOFLOW_API_IDLE_SECONDS": "600"}

    try:
        _run(CLI + [str(files[0]), "--out", str(tmp / "warm-up")], env("warm-up"))  # Prefect's database, once per PREFECT_HOME
        cold, warm, one, many, direct_one, direct_many = [], [], [], [], [], []
        direct = [sys.executable, "-m", "bench.direct", "--asr-model", "tiny.en"]
        for r in range(rounds):
            _stop_api(home)
            cold.append(_one_file(files[1], tmp / f"cold-{r}", env(f"cold-{r}"), home))
            warm.append(_one_file(files[1], tmp / f"warm-{r}", env(f"warm-{r}"), home))
            one.append(warm[-1][0])
            many.append(_run(CLI + [str(lib), "--out", str(tmp / f"many-{r}")], env(f"many-{r}")))
            direct_one.append(_run(direct + [str(tmp / f"d1-{r}"), str(files[0])], env(f"d1-{r}")))
            direct_many.append(_run(direct + [str(tmp / f"dn-{r}"), *map(str, files)], env(f"dn-{r}")))
        cli_file = (median(many) - median(one)) / (n - 1)
        direct_file = (median(direct_many) - median(direct_one)) / (n - 1)
        results.update({"rounds": rounds, "tiny_files": n,
                        "cold_wall_seconds": round(median([w for w, _ in cold]), 2), "cold_to_first_stage_seconds": round(median([f for _, f in cold]), 2),
                        "warm_wall_seconds": round(median([w for w, _ in warm]), 2), "warm_to_first_stage_seconds": round(median([f for _, f in warm]), 2),
                        "cli_per_tiny_file_seconds": round(cli_file, 3), "stages_per_tiny_file_seconds": round(direct_file, 3),
                        "orchestration_per_tiny_file_seconds": round(cli_file - direct_file, 3)})
        print(f"## A 1-file run of a 0.5 s file (tiny.en); median of {rounds}")
        table([("no embedded API running (first run)", results["cold_wall_seconds"], results["cold_to_first_stage_seconds"]),
               ("the API a previous run left up", results["warm_wall_seconds"], results["warm_to_first_stage_seconds"])],
              ("start", "wall s", "to the first stage s (goal <= 4)"))
        print(f"## Per added tiny file ({n} files vs 1, the API up)")
        table([(f"{cli_file:.3f}", f"{direct_file:.3f}", f"{cli_file - direct_file:.3f}")],
              ("CLI s", "stages without Prefect s", "orchestration s (goal <= 0.25)"))
    finally:
        _stop_api(home)
    save("bench-startup-quick" if args.quick else "bench-startup", results, args.quick)
    return results


if __name__ == "__main__":
    main()
