"""The orchestration tax: `lingoflow localize` against its own stages without Prefect and against
the bare libraries glued by hand, on a library of real recordings, in the same invocation.

    python -m bench.pipeline            # 9 real recordings (~170 s of speech), 2 alternating rounds
    python -m bench.pipeline --quick    # 2 short clips, 1 round (for the test that keeps it alive)

Each run is its own process with a cold result cache (the assembled Whisper model is shared);
the kinds alternate within a round so that a busy machine weighs on each alike. The CLI rows
start their own embedded Prefect API (LINGOFLOW_API_IDLE_SECONDS=0: a user's first run), except
"its API already up", which finds the one a previous run left (every later run within 10 min).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import ROOT, SHARED_EVAL, header, median, save, table

LIBRARY = ["asr/en_jfk.flac", "asr/en_ljspeech_LJ002-0020.wav", "asr/en_ljspeech_LJ002-0035.wav", "asr/en_fw_stereo_diarization.wav",
           "diar/pyannote_sample.wav", "diar/ami/trn00.wav", "diar/ami/trn04.wav", "diar/ami/dev00.wav", "diar/ami/dev01.wav"]
QUICK = ["asr/en_jfk.flac", "asr/en_ljspeech_LJ002-0020.wav"]

CLI = [sys.executable, "-m", "lingoflow.flows.cli", "localize"]
KINDS = {
    "lingoflow CLI": lambda lib, out: CLI + [str(lib), "--to", "pt", "--out", str(out), "--quiet"],
    "lingoflow CLI, its API already up": lambda lib, out: CLI + [str(lib), "--to", "pt", "--out", str(out), "--quiet"],
    "lingoflow CLI --jobs 1": lambda lib, out: CLI + [str(lib), "--to", "pt", "--out", str(out), "--quiet", "--jobs", "1"],
    "lingoflow CLI, 1 core": lambda lib, out: ["taskset", "-c", "0"] + CLI + [str(lib), "--to", "pt", "--out", str(out), "--quiet"],
    "stages, no Prefect": lambda lib, out: [sys.executable, "-m", "bench.direct", str(out), *sorted(map(str, lib.iterdir())), "--to", "pt"],
    "bare components": lambda lib, out: [sys.executable, "-m", "bench.bare", str(out), *sorted(map(str, lib.iterdir()))],
}


def library(tmp: Path, names: list[str]) -> Path:
    lib = tmp / "library"
    lib.mkdir()
    for name in names:
        src = SHARED_EVAL / name
        (lib / f"{src.parent.name}-{src.name}").symlink_to(src)
    return lib


def cold_env(tmp: Path) -> dict:
    from .common import share_models

    cache = tmp / "cache"
    share_models(cache)
    return {**os.environ, "LINGOFLOW_CACHE": str(cache), "PREFECT_HOME": str(tmp / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING"}


def run(args: list[str], env: dict) -> tuple[float, float]:
    """(wall s, CPU s of the process and every process it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{args[2]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def warm_prefect_home(lib: Path, env: dict, tmp: Path) -> None:
    """A user's first run in a new PREFECT_HOME creates Prefect's database; every later run finds it."""
    first = sorted(lib.iterdir())[0]
    subprocess.run([sys.executable, "-m", "lingoflow.flows.cli", "localize", str(first), "--out", str(tmp / "warm-up"), "--quiet",
                    "--asr-model", "tiny.en", "--diarize-engine", "none"], env=env, cwd=ROOT, capture_output=True)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    results = header("orchestration tax" + (" (quick)" if args.quick else ""))
    tmp = Path(tempfile.mkdtemp(prefix="lingoflow-pipeline-"))
    try:
        names = QUICK if args.quick else LIBRARY
        lib = library(tmp, names)
        audio = sum(_duration(p) for p in lib.iterdir())
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in KINDS}
        stage_seconds: list[float] = []
        prefect_home = tmp / "prefect-home"
        for r in range(args.rounds or (1 if args.quick else 2)):
            for kind, make in KINDS.items():
                work = tmp / f"r{r}-{len(os.listdir(tmp))}"
                shared = kind == "lingoflow CLI, its API already up"
                env = {**cold_env(work), "PREFECT_HOME": str(prefect_home), "LINGOFLOW_API_IDLE_SECONDS": "600" if shared else "0"}
                if (r == 0 and kind == "lingoflow CLI") or shared:  # Prefect's database; for `shared`, its API left up
                    warm_prefect_home(lib, env, work)
                times[kind].append(run(make(lib, work / "out"), env))
                if kind == "lingoflow CLI --jobs 1":  # stage seconds without waits for the cores
                    report = json.loads((work / "out" / "report.json").read_text())
                    stage_seconds.append(sum(st["seconds"] for i in report["items"] for st in i["stages"].values()))
        walls = {k: median([w for w, _ in v]) for k, v in times.items()}
        cpus = {k: median([c for _, c in v]) for k, v in times.items()}
        cli, direct, bare = walls["lingoflow CLI"], walls["stages, no Prefect"], walls["bare components"]
        results.update({"files": names, "audio_seconds": round(audio, 1), "wall_seconds": {k: round(v, 2) for k, v in walls.items()},
                        "cpu_seconds": {k: round(v, 2) for k, v in cpus.items()}, "cli_over_direct": round(cli / direct, 3),
                        "cli_over_bare": round(cli / bare, 3), "cli_outside_stages_seconds": round(median([w for w, _ in times["lingoflow CLI --jobs 1"]]) - median(stage_seconds), 2),
                        "overlap_speedup": round(walls["lingoflow CLI --jobs 1"] / cli, 3), "two_cores_over_one": round(walls["lingoflow CLI, 1 core"] / cli, 3)})
        print(f"## A library of {len(names)} real recordings ({audio:.0f} s), to Portuguese, cold cache; median of {len(times['bare components'])}")
        table([(k, f"{walls[k]:.1f}", f"{audio / walls[k]:.1f}x", f"{cpus[k]:.1f}", f"{walls[k] / direct:.2f}", f"{walls[k] / bare:.2f}") for k in KINDS],
              ("run", "wall s", "real time", "cpu s", "/ stages (goal CLI<=1.10)", "/ bare (goal CLI<=1.25)"))
        print(f"--jobs 1: time outside its stages (start-up, orchestration, reports): {results['cli_outside_stages_seconds']:.1f} s; "
              f"files in flight (default --jobs) vs --jobs 1: {results['overlap_speedup']:.2f}x; 2 cores vs 1 (taskset): {results['two_cores_over_one']:.2f}x\n")
    finally:
        stop_shared_api(tmp / "prefect-home")
        shutil.rmtree(tmp, ignore_errors=True)
    save("bench-pipeline-quick" if args.quick else "bench-pipeline", results, args.quick)
    return results


def stop_shared_api(prefect_home: Path) -> None:
    """End the embedded API a run left up in this PREFECT_HOME."""
    from lingoflow.flows.tuning import embedded

    embedded.stop_shared(prefect_home)


def _duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)], capture_output=True, text=True)
    return float(out.stdout.strip() or 0)


if __name__ == "__main__":
    main()
