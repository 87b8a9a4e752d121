"""SIGKILL a run while it writes: no file in OUT is ever partial, and a re-run completes (issue 7)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from .complete import PART, check_tree
from .conftest import ROOT


def _parts(*roots: Path) -> list[Path]:
    found = []
    for root in roots:
        for dirpath, _, files in os.walk(root):
            found += [Path(dirpath, f) for f in files if PART.match(f)]
    return found


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    from lingoflow.samples import RATE, VOICE_A, make_media, speak

    lib = tmp_path_factory.mktemp("kill-lib")
    work = tmp_path_factory.mktemp("kill-work")
    speech = speak(["Welcome to the course library.", "Rivers cut deep valleys over many years."], [VOICE_A], work)
    # long quiet tails make the dub tracks and containers big enough to be caught mid-write
    padded = np.concatenate([speech, np.zeros(30 * RATE, dtype=np.float32)])
    for name in ("a-lesson.mkv", "b-lesson.flac"):
        make_media(padded, lib / name, video=name.endswith((".mkv", ".mp4")))
    return lib


def _run(lib: Path, out: Path, cache: Path) -> subprocess.Popen:
    env = {**os.environ, "LINGOFLOW_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "lingoflow.flows.cli", "localize", str(lib), "--to", "pt", "--asr-model", "tiny.en", "--out", str(out), "--quiet"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )


def test_sigkill_mid_write_leaves_no_partial_file_and_rerun_completes(library, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    caught: list[Path] = []
    for attempt in range(3):  # a write is caught in flight on the first try in practice
        proc = _run(library, out, cache)
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            caught = _parts(out)
            # the first try waits for one of the big writes (dub track, container); later ones take any
            if caught and (attempt or any("dub" in p.name or "localized" in p.name for p in caught)):
                os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its ffmpeg children, mid-write
                break
            time.sleep(0.002)
        proc.wait()
        print(f"attempt {attempt + 1}: exit {proc.returncode}, caught {caught}, stderr {proc.stderr.read()[-300:]!r}")
        if caught and proc.returncode == -signal.SIGKILL:
            break
    else:
        pytest.fail("no run was caught while writing a file in OUT")
    assert not (out / "report.json").exists()  # the run never got that far
    leftovers = check_tree(out)  # every file under its final name parses or plays to its end
    assert all(p.name.startswith(".") for p in leftovers)  # temporaries are hidden, never final names
    check_tree(cache / "audio")  # the decoded audio in the cache: complete too
    print(f"killed on attempt {attempt + 1} while writing {[str(p.relative_to(out)) for p in caught]}")

    proc = _run(library, out, cache)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert check_tree(out) == []  # complete, and the killed run's temporaries are gone
    report = json.loads((out / "report.json").read_text())
    assert [i["status"] for i in report["items"]] == ["ok"] * 2
