"""A stage's code identity is computed from the modules it imports: editing a helper that only
translation uses re-runs translation and keeps the transcript; nothing is listed by hand."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from lingoflow import codehash

from .conftest import ROOT


def _copy_of_the_package(dest: Path) -> Path:
    """lingoflow as the wheel lays it out (flows/ and tasks/ inside), in a folder of its own."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "lingoflow", dest / "lingoflow", ignore=ignore, symlinks=False)
    for layer in ("flows", "tasks"):
        if (dest / "lingoflow" / layer).is_symlink():
            (dest / "lingoflow" / layer).unlink()
        shutil.copytree(ROOT / layer, dest / "lingoflow" / layer, ignore=ignore, dirs_exist_ok=True)
    shutil.copytree(ROOT / "voices", dest / "voices")
    return dest


def _localize(copy: Path, clip: Path, out: Path, cache: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "lingoflow.flows.cli", "localize", str(clip), "--to", "pt", "--out", str(out),
                           "--asr-model", "tiny.en", "--diarize-engine", "none", "--quiet"],
                          cwd=copy, env={**os.environ, "LINGOFLOW_CACHE": str(cache), "PYTHONPATH": str(copy)}, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    item = report["items"][0]
    assert Path(item["source"]).name == clip.name
    return {name: st["cached"] for name, st in item["stages"].items()}


def test_editing_a_translation_helper_reruns_translation_only(eval_dir, tmp_path):
    copy = _copy_of_the_package(tmp_path / "copy")
    clip = eval_dir / "asr" / "en_ljspeech_LJ002-0020.wav"
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = _localize(copy, clip, out, cache)
    assert not any(first.values())
    again = _localize(copy, clip, out, cache)
    assert all(again.values()), again  # unchanged code: everything reused
    helper = copy / "lingoflow" / "mt" / "constrained.py"  # imported by translation, listed nowhere
    helper.write_text(helper.read_text() + "\n# an edit that could change a translation\n")
    edited = _localize(copy, clip, out, cache)
    assert not edited["translate.pt"], edited
    assert edited["ingest"] and edited["transcribe"], edited


def test_closure_follows_imports_inside_functions_and_stays_in_the_core():
    names = codehash.closure(["lingoflow.pipeline.synthesize"])
    assert "lingoflow.speakers.diarization" in names  # imported inside synthesize(), not at the top
    assert "lingoflow.dub.track" in names and "lingoflow.dub.tts.espeak" in names
    assert "lingoflow.dub.tts.espeak_fork" in names  # run as a helper process, not imported for its code: still the stage's
    assert not any(n.startswith(("lingoflow.flows", "lingoflow.tasks")) for n in names)
    assert "lingoflow.mt.constrained" not in codehash.closure(["lingoflow.pipeline.transcribe"])
