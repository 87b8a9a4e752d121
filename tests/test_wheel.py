"""The wheel is the whole product: built from the tracked files (sdist, then a wheel from the
unpacked sdist, as `python -m build` does), installed into a fresh venv, it localizes a file
from a folder outside the checkout. The dependencies come from the project's venv (a .pth line
to its site-packages, which skips that venv's editable lingoflow finder); lingoflow itself only
from the wheel."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import wave
import zipfile
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, ffprobe_streams

SOURCE_SECONDS_TOLERANCE = 0.05


def _git_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return []
    out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True).stdout
    return [name for name in out.decode().split("\0") if name]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    """sdist and wheel built with the project venv's setuptools (no network, no build isolation)."""
    work = tmp_path_factory.mktemp("dist")
    src = work / "src"
    files = _git_files()
    if files:  # only what a clone has: untracked files and the worktree symlinks stay out
        for name in files:
            if (ROOT / name).is_file():
                (src / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, src / name)
    else:
        shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", "build", "dist"))
    out = work / "out"
    subprocess.run([sys.executable, "-c", f"from setuptools import build_meta; build_meta.build_sdist({str(out)!r})"],
                   cwd=src, check=True, capture_output=True)
    (sdist,) = out.glob("lingoflow-*.tar.gz")
    with tarfile.open(sdist) as tar:
        tar.extractall(work / "unpacked", filter="data")
    (unpacked,) = (work / "unpacked").iterdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    "--disable-pip-version-check", "-w", str(out), str(unpacked)], check=True, capture_output=True)
    (wheel,) = out.glob("lingoflow-*.whl")
    return {"sdist": sdist, "wheel": wheel}


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory) -> Path:
    """A fresh venv outside the checkout with the wheel installed (console script included)."""
    target = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    python = target / "bin" / "python"
    fresh_site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                     capture_output=True, text=True, check=True).stdout.strip())
    # a plain path line: the project's site-packages joins sys.path after the fresh one, and its
    # own .pth files (the editable finder that maps lingoflow to the checkout) are not run
    (fresh_site / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    "--disable-pip-version-check", str(dist["wheel"])], check=True, capture_output=True)
    return target


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["LINGOFLOW_CACHE"] = str(tmp / "cache")
    env["PREFECT_HOME"] = str(tmp / "prefect")
    return env


def _fresh_python(venv: Path, code: str, tmp: Path) -> str:
    proc = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=tmp, env=_clean_env(tmp),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_wheel_installs_only_the_lingoflow_package(dist):
    names = zipfile.ZipFile(dist["wheel"]).namelist()
    assert {name.split("/")[0] for name in names} == {"lingoflow", "lingoflow-0.1.0.dist-info"}
    for bundled in ("lingoflow/data/voices/default.yaml", "lingoflow/data/glossaries/e-learning.yaml",
                    "lingoflow/data/deployments/prefect.yaml", "lingoflow/flows/cli.py", "lingoflow/tasks/__init__.py",
                    "lingoflow/review/templates/report.html.j2"):
        assert bundled in names, bundled
    entry_points = zipfile.ZipFile(dist["wheel"]).read("lingoflow-0.1.0.dist-info/entry_points.txt").decode()
    assert "lingoflow = lingoflow.flows.cli:main" in entry_points
    with tarfile.open(dist["sdist"]) as tar:
        members = {name.split("/", 1)[-1] for name in tar.getnames()}
    assert {"setup.py", "pyproject.toml", "voices/default.yaml", "deployments/prefect.yaml", "flows/cli.py", "tasks/__init__.py"} <= members


def test_lingoflow_imports_from_the_wheel_and_finds_its_files(venv, tmp_path):
    code = (
        "import json, lingoflow, lingoflow.flows.cli, lingoflow.tasks\n"
        "from lingoflow.speakers.voices.profiles import DEFAULT_FILE\n"
        "from lingoflow.paths import bundled\n"
        "print(json.dumps({'package': lingoflow.__file__, 'cli': lingoflow.flows.cli.__file__,"
        " 'tasks': lingoflow.tasks.__file__, 'voices': str(DEFAULT_FILE),"
        " 'glossary': str(bundled('glossaries', 'e-learning.yaml')), 'deployments': str(bundled('deployments', 'prefect.yaml'))}))\n"
    )
    found = json.loads(_fresh_python(venv, code, tmp_path))
    for what, path in found.items():
        assert Path(path).is_relative_to(venv), (what, path)
        assert Path(path).is_file(), (what, path)
    profiles = yaml.safe_load(Path(found["voices"]).read_text())
    assert profiles, "default voices file is empty"


def test_bundled_deployments_entrypoints_import_from_the_installed_package(venv, tmp_path):
    code = (
        "import importlib, json, yaml\n"
        "from lingoflow.paths import bundled\n"
        "spec = yaml.safe_load(bundled('deployments', 'prefect.yaml').read_text())\n"
        "found = {}\n"
        "for d in spec['deployments']:\n"
        "    module, _, name = d['entrypoint'].partition(':')\n"
        "    flow = getattr(importlib.import_module(module), name)\n"
        "    found[d['entrypoint']] = [importlib.import_module(module).__file__, type(flow).__name__]\n"
        "print(json.dumps(found))\n"
    )
    found = json.loads(_fresh_python(venv, code, tmp_path))
    assert "lingoflow.flows.localize:localize_file" in found and len(found) >= 2
    for entrypoint, (path, kind) in found.items():
        assert Path(path).is_relative_to(venv), (entrypoint, path)
        assert kind == "Flow", (entrypoint, kind)


@pytest.fixture(scope="module")
def talk(tmp_path_factory) -> Path:
    """A few seconds of synthesized English speech."""
    from lingoflow.samples import VOICE_A, _write_wav, speak

    folder = tmp_path_factory.mktemp("talk")
    with tempfile.TemporaryDirectory() as work:
        audio = speak(["Welcome to the course. Rivers shape the land over many years."], [VOICE_A], Path(work))
    _write_wav(audio, folder / "talk.wav")
    return folder / "talk.wav"


def test_installed_cli_localizes_to_portuguese_from_another_folder(venv, talk, tmp_path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(talk, work / "talk.wav")
    proc = subprocess.run([str(venv / "bin" / "lingoflow"), "localize", "talk.wav", "--to", "pt", "--out", "out",
                           "--asr-model", "tiny.en", "--quiet"], cwd=work, env=_clean_env(tmp_path), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    folder = work / "out" / "talk"
    with wave.open(str(talk)) as w:
        source_seconds = w.getnframes() / w.getframerate()
    with wave.open(str(folder / "dub.pt.wav")) as w:
        assert abs(w.getnframes() / w.getframerate() - source_seconds) < SOURCE_SECONDS_TOLERANCE
    import pysubs2

    captions = pysubs2.load(str(folder / "captions.pt.srt"))
    assert captions.events and all(e.text.strip() for e in captions.events)
    (localized,) = folder.glob("talk.localized.*")
    streams = ffprobe_streams(localized)
    audio = [s.get("tags", {}).get("language") for s in streams if s["codec_type"] == "audio"]
    assert "por" in audio
    report = json.loads((work / "out" / "report.json").read_text())
    assert [i["status"] for i in report["items"]] == ["ok"]
