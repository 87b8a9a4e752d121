"""Shared fixtures. Every test session gets its own Prefect home, every test module its own
lingoflow cache."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

_session_tmp = Path(tempfile.mkdtemp(prefix="lingoflow-tests-"))
os.environ["PREFECT_HOME"] = str(_session_tmp / "prefect")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")  # as the CLI: a busy 2-core machine starts it slowly
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["LINGOFLOW_CACHE"] = str(_session_tmp / "cache")
# the CLI runs of a session share one embedded API, as a user's runs do; it ends with the session
os.environ.setdefault("LINGOFLOW_API_IDLE_SECONDS", "60")

ROOT = Path(__file__).resolve().parents[1]
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="module", autouse=True)
def module_cache(request):
    """Each test module its own result cache (LINGOFLOW_CACHE, inherited by the CLI runs it
    starts), so a stage result computed by another module cannot hide a regression and the
    modules pass in any order. Only the assembled Whisper weights (models/, not results) are
    shared, so each module does not copy 145 MB again."""
    shared_models = _session_tmp / "cache" / "models"
    shared_models.mkdir(parents=True, exist_ok=True)
    folder = _session_tmp / "module-caches" / request.module.__name__.rsplit(".", 1)[-1]
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "models").exists():
        (folder / "models").symlink_to(shared_models, target_is_directory=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LINGOFLOW_CACHE", str(folder))
        yield folder


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require(condition: object, what: str, allow_module_level: bool = False) -> None:
    """A prerequisite of the test that follows (the eval set, chromium, setpriv, a tmpfs mount).

    Missing, the test skips on a developer's machine and fails under CI=true, naming what is
    missing: in CI nothing a capability needs may skip. Optional extras a user may not install
    (Coqui, pyannote) call pytest.skip themselves instead."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"CI=true and a prerequisite is missing: {what}", pytrace=False)
    pytest.skip(what, allow_module_level=allow_module_level)


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    require(SHARED_EVAL.is_dir(), f"evaluation set not found at {SHARED_EVAL} (it sits beside the checkout on dev machines and CI)")
    return SHARED_EVAL


@pytest.fixture(scope="session")
def sample_library(tmp_path_factory) -> Path:
    """The three synthesized sample lessons (MP4, MP3, two-voice WAV)."""
    from lingoflow.samples import make_library

    folder = tmp_path_factory.mktemp("library")
    make_library(folder)
    return folder


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def ffprobe_streams(path: Path) -> list[dict]:
    import json

    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(path)],
        check=True, capture_output=True,
    ).stdout
    return json.loads(out)["streams"]


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """The real `lingoflow` console entry point in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "lingoflow.flows.cli", *args],
        capture_output=True, text=True, cwd=cwd or ROOT, env={**os.environ, **(env or {})}, input=input,
    )


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory) -> Path:
    """A tiny random MarianMT model in the Opus-MT layout, built once per session (~4 s)."""
    from .marian_tiny import build

    return build(tmp_path_factory.mktemp("models") / "tiny-marian-en-pt")


@pytest.fixture(scope="session")
def tiny_nllb(tmp_path_factory) -> Path:
    """A tiny random NLLB-200-style model (M2M100 + NllbTokenizer), built once per session."""
    from .marian_tiny import build_nllb

    return build_nllb(tmp_path_factory.mktemp("models") / "tiny-nllb")


def pytest_sessionfinish(session, exitstatus):
    """Stop the session's shared embedded API (it would end itself once idle)."""
    from lingoflow.flows.tuning import embedded

    embedded.stop_shared()
