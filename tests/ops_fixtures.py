"""Fixtures for the library-operations tests (issue 5): a real `prefect server`, a real nanio
S3 server, and tiny speech libraries. Imported by the test modules that use them."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

LINES = {
    "a-rivers": "Rivers carry water down to the sea.",
    "b-valley": "The valley is deep, and the forest is green.",
    "c-review": "We will review this lesson tomorrow morning.",
    "d-delta": "A delta forms where a river meets the sea.",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as exc:  # an answer (nanio says 403 to anonymous requests)
            if exc.code < 500:
                return
            time.sleep(0.3)
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    """End a process group this fixture started (by its id), politely then firmly."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    """Four 2-4 s English clips (WAV, MP3, MP4, WAV), synthesized once per session."""
    from lingoflow.samples import VOICE_A, VOICE_B, make_media, speak

    folder = tmp_path_factory.mktemp("clips")
    out = {}
    for i, (name, line) in enumerate(LINES.items()):
        suffix = [".wav", ".mp3", ".mp4", ".wav"][i]
        with tempfile.TemporaryDirectory() as tmp:
            out[name] = make_media(speak([line], [VOICE_A if i % 2 == 0 else VOICE_B], Path(tmp)), folder / f"{name}{suffix}", video=suffix == ".mp4")
    return out


def library(clips: dict[str, Path], folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(clips[name], folder / clips[name].name)
    return folder


def start_prefect_server(home: Path, ui: bool = False) -> tuple[subprocess.Popen, str]:
    """A real `prefect server start` on 127.0.0.1 with its own PREFECT_HOME (and its UI when
    `ui`); the process and its API URL, once it answers."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "true" if ui else "false", "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
           "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_UI_API_URL": api}  # the UI's default is port 4200
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_http(f"{api}/health", proc, timeout=180)
    except Exception:
        stop(proc)
        raise
    return proc, api


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory) -> str:
    """A real `prefect server start` on 127.0.0.1 with its own PREFECT_HOME; its API URL."""
    proc, api = start_prefect_server(tmp_path_factory.mktemp("prefect-server-home"))
    try:
        yield api
    finally:
        stop(proc)


def _call(req, attempts: int = 10):
    """One API call; a 503 (SQLite busy under load: Prefect asks to retry) is retried."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            if exc.code != 503 or attempt == attempts - 1:
                raise
            time.sleep(1 + attempt)


def api_post(api: str, path: str, body: dict) -> dict | list:
    return _call(urllib.request.Request(f"{api}{path}", data=json.dumps(body).encode(), method="POST",
                                        headers={"Content-Type": "application/json"}))


def api_get(api: str, path: str) -> dict | list:
    return _call(urllib.request.Request(f"{api}{path}"))


S3_KEYS = {"LINGOFLOW_S3_ACCESS_KEY": "lingoflow-test", "LINGOFLOW_S3_SECRET_KEY": "lingoflow-test-secret-123"}


def start_nanio(data: Path, port: int) -> subprocess.Popen:
    """A real nanio S3 server on 127.0.0.1:port persisting to data (restartable on the same data)."""
    env = {**os.environ, "NANIO_ACCESS_KEY": S3_KEYS["LINGOFLOW_S3_ACCESS_KEY"], "NANIO_SECRET_KEY": S3_KEYS["LINGOFLOW_S3_SECRET_KEY"]}
    proc = subprocess.Popen([str(BIN / "nanio"), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data),
                             "--log-level", "warning", "--no-access-log"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc, timeout=60)
    except Exception:
        stop(proc)
        raise
    return proc


def minio_client(env: dict[str, str]):
    """The minio SDK client for a LINGOFLOW_S3_* environment (the test's own view of the server)."""
    from minio import Minio

    return Minio(env["LINGOFLOW_S3_ENDPOINT"], access_key=env["LINGOFLOW_S3_ACCESS_KEY"], secret_key=env["LINGOFLOW_S3_SECRET_KEY"], secure=False)


def nanio_env(port: int) -> dict[str, str]:
    return {"LINGOFLOW_S3_ENDPOINT": f"127.0.0.1:{port}", "LINGOFLOW_S3_SECURE": "false", **S3_KEYS}


@pytest.fixture(scope="session")
def nanio(tmp_path_factory) -> dict[str, str]:
    """A real nanio S3 server on 127.0.0.1; the LINGOFLOW_S3_* environment that reaches it."""
    port = free_port()
    proc = start_nanio(tmp_path_factory.mktemp("nanio-data"), port)
    try:
        yield nanio_env(port)
    finally:
        stop(proc)


def cli(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lingoflow.flows.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def stages_of(report: dict) -> dict[str, dict[str, bool]]:
    """{item: {stage: cached}}"""
    return {i["item"]: {k: v["cached"] for k, v in i["stages"].items()} for i in report["items"]}
