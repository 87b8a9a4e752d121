"""What the Prefect tuning (flows/tuning/) earns: the same runs with LINGOFLOW_PREFECT_TUNING on
and off, alternating, in one invocation.

    python -m bench.prefect_tuning              # 2 rounds
    python -m bench.prefect_tuning --quick      # 1 round, 2 files (the test that keeps it alive)
    python -m bench.prefect_tuning --pieces-only  # each piece left out alone (also at the end of a full run)

- first run: the real-recordings library of bench/pipeline.py to Portuguese, cold result cache, no
  API running (Prefect's database exists): a user's first run of the day.
- next run: the same with a new OUT and a cold cache, right after another run: with the tuning on,
  the API that run left up answers at once; off, Prefect starts its ephemeral server again.
- tiny files: 12 files of 0.5 s of silence against 1 (the per-file orchestration), next run.
A piece is kept where it earns >= 5 % on one of these (docs/performance.md).
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np

from .common import header, median, save, table
from .pipeline import CLI, LIBRARY, QUICK, cold_env, library, run, stop_shared_api, warm_prefect_home

MODES = ("on", "off")


def _tiny_library(tmp: Path, n: int) -> Path:
    from lingoflow.samples import make_media

    lib = tmp / f"tiny-{n}"
    lib.mkdir()
    for i in range(n):  # each file's bytes differ, so none is answered from the cache
        make_media(np.random.default_rng(i).normal(0, 1e-4, 8000).astype(np.float32), lib / f"t{i:02d}.wav")
    return lib


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--pieces-only", action="store_true", help="only each piece left out alone")
    args = parser.parse_args(argv)
    results = header("Prefect tuning on/off" + (" (quick)" if args.quick else ""))
    tmp = Path(tempfile.mkdtemp(prefix="lingoflow-tuning-"))
    figures: dict[tuple[str, str], list[float]] = {}
    try:
        lib = library(tmp, QUICK if args.quick else LIBRARY)
        tiny = {n: _tiny_library(tmp, n) for n in ((1, 4) if args.quick else (1, 12))}
        if args.pieces_only:
            results["pieces"] = pieces(tmp, tiny, args.rounds or 2)
            save("bench-prefect-tuning-pieces", results)
            return results
        for r in range(args.rounds or (1 if args.quick else 2)):
            for mode in (MODES if r % 2 == 0 else MODES[::-1]):
                home = tmp / f"prefect-{mode}"

                def env(tag: str) -> dict:
                    work = tmp / f"r{r}-{mode}-{tag}"
                    return {**cold_env(work), "PREFECT_HOME": str(home), "LINGOFLOW_PREFECT_TUNING": mode}

                stop_shared_api(home)  # no API running: the first run starts one
                first = env("first")
                if not home.exists():
                    warm_prefect_home(lib, first, tmp / f"r{r}-{mode}-db")  # Prefect's database exists
                    stop_shared_api(home)
                figures.setdefault(("first run", mode), []).append(run(CLI + [str(lib), "--to", "pt", "--out", str(tmp / f"r{r}-{mode}-first-out"), "--quiet"], first)[0])
                nxt = env("next")
                figures.setdefault(("next run", mode), []).append(run(CLI + [str(lib), "--to", "pt", "--out", str(tmp / f"r{r}-{mode}-next-out"), "--quiet"], nxt)[0])
                for n, folder in tiny.items():
                    e = env(f"tiny{n}")
                    figures.setdefault((f"tiny x{n}", mode), []).append(
                        run(CLI + [str(folder), "--out", str(tmp / f"r{r}-{mode}-tiny{n}-out"), "--quiet", "--asr-model", "tiny.en"], e)[0])
                stop_shared_api(home)
        med = {k: median(v) for k, v in figures.items()}
        small, big = sorted(tiny)
        rows, out = [], {}
        for name in ("first run", "next run"):
            on, off = med[(name, "on")], med[(name, "off")]
            rows.append((name, f"{on:.2f}", f"{off:.2f}", f"{(off - on) / off * 100:+.1f} %"))
            out[name] = {"on": round(on, 2), "off": round(off, 2)}
        per_file = {m: (med[(f"tiny x{big}", m)] - med[(f"tiny x{small}", m)]) / (big - small) for m in MODES}
        rows.append(("per added tiny file", f"{per_file['on']:.3f}", f"{per_file['off']:.3f}",
                     f"{(per_file['off'] - per_file['on']) / per_file['off'] * 100:+.1f} %"))
        out["per_tiny_file"] = {m: round(v, 3) for m, v in per_file.items()}
        results["wall_seconds"] = out
        print(f"## LINGOFLOW_PREFECT_TUNING on / off, median of {len(figures[('first run', 'on')])} alternating rounds")
        table(rows, ("run", "on s", "off s", "saved by the tuning"))
        if not args.quick:
            results["pieces"] = pieces(tmp, tiny, args.rounds or 2)
    finally:
        for mode in MODES:
            stop_shared_api(tmp / f"prefect-{mode}")
        shutil.rmtree(tmp, ignore_errors=True)
    save("bench-prefect-tuning-quick" if args.quick else "bench-prefect-tuning", results, args.quick)
    return results


def pieces(tmp: Path, tiny: dict[int, Path], rounds: int) -> dict:
    """Each piece left out alone (LINGOFLOW_PREFECT_TUNING=-piece) against all on: the per-file
    cost (tiny files, 12 against 1), the figure every piece but the API's works on (the API's is
    the first and next run above: without it, the server pieces are out too). Each mode's API is
    started by an untimed run first and kept up for the timed ones, so the API's start-up (4-7 s,
    its scatter a second) is not in the difference."""
    from flows.tuning import PIECES

    modes = ["on"] + [f"-{p}" for p in PIECES if p != "api"]
    small, big = sorted(tiny)
    seconds: dict[tuple[str, int], list[float]] = {}
    for r in range(rounds):
        for mode in (modes if r % 2 == 0 else modes[::-1]):
            home = tmp / f"prefect-piece{mode}"
            base = tmp / f"piece-r{r}{mode}"
            env = {**cold_env(base), "PREFECT_HOME": str(home), "LINGOFLOW_PREFECT_TUNING": mode}
            if not home.exists():
                warm_prefect_home(tiny[small], env, base / "db")
            stop_shared_api(home)
            run(CLI + [str(tiny[small]), "--out", str(base / "warm"), "--quiet", "--asr-model", "tiny.en"], env)
            for n in (sorted(tiny) if r % 2 == 0 else sorted(tiny, reverse=True)):
                work = base / f"n{n}"  # a cold result cache: every file runs every stage
                e = {**cold_env(work), "PREFECT_HOME": str(home), "LINGOFLOW_PREFECT_TUNING": mode}
                seconds.setdefault((mode, n), []).append(
                    run(CLI + [str(tiny[n]), "--out", str(work / "out"), "--quiet", "--asr-model", "tiny.en"], e)[0])
            stop_shared_api(home)
    per_file = {m: (median(seconds[(m, big)]) - median(seconds[(m, small)])) / (big - small) for m in modes}
    rows = [(m if m == "on" else f"without {m[1:]}", f"{per_file[m]:.3f}",
             "" if m == "on" else f"{(per_file[m] - per_file['on']) / per_file[m] * 100:+.1f} %") for m in modes]
    print(f"## Each piece left out, seconds per added tiny file, median of {rounds} alternating rounds")
    table(rows, ("tuning", "s a file", "what the piece saves"))
    return {m: round(v, 3) for m, v in per_file.items()}


if __name__ == "__main__":
    main()
