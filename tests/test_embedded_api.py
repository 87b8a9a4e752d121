"""The embedded Prefect API outlives a CLI run for the next one, and ends itself once idle
(flows/tuning/embedded.py, flows/tuning/serverapp.py): real CLI runs, read back from the server's own record."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import time

import numpy as np

from lingoflow.flows.tuning import embedded
from lingoflow.samples import make_media

from .conftest import run_cli
from .ops_fixtures import api_post


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie (exited, not yet reaped) is not alive
        return fh.read().split()[2] != "Z"


def test_the_next_run_finds_the_api_up_and_it_ends_once_idle(tmp_path):
    home = tmp_path / "prefect-home"
    env = {"PREFECT_HOME": str(home), "LINGOFLOW_API_IDLE_SECONDS": "8"}
    for name in ("a", "b"):
        make_media(np.zeros(8000, dtype=np.float32), tmp_path / f"{name}.wav")
    first = run_cli("localize", str(tmp_path / "a.wav"), "--out", str(tmp_path / "out-a"), "--quiet", "--asr-model", "tiny.en", env=env)
    assert first.returncode == 0, first.stderr
    state = json.loads((home / "lingoflow-api.json").read_text())
    try:
        assert _alive(state["pid"])  # the run is over, its API is not
        second = run_cli("localize", str(tmp_path / "b.wav"), "--out", str(tmp_path / "out-b"), "--quiet", "--asr-model", "tiny.en", env=env)
        assert second.returncode == 0, second.stderr
        assert json.loads((home / "lingoflow-api.json").read_text()) == state  # no second server
        runs = api_post(state["url"], "/flow_runs/filter", {"flows": {"name": {"any_": ["localize-library"]}}})
        assert len(runs) == 2 and {r["state_type"] for r in runs} == {"COMPLETED"}  # both runs, on that one server
        deadline = time.monotonic() + 90
        while _alive(state["pid"]) and time.monotonic() < deadline:
            time.sleep(1)
        assert not _alive(state["pid"])  # idle for 8 s: it stopped by itself
        # the next start skips Prefect's block-type registration (done by the first, in this
        # database) and the types are still there for S3 and webhook blocks
        assert json.loads((home / "lingoflow-api-blocks.json").read_text())["registered"]
        third = run_cli("localize", str(tmp_path / "a.wav"), "--out", str(tmp_path / "out-c"), "--quiet", "--asr-model", "tiny.en", env=env)
        assert third.returncode == 0, third.stderr
        state = json.loads((home / "lingoflow-api.json").read_text())
        with open(f"/proc/{state['pid']}/environ", "rb") as fh:
            environ = fh.read().split(b"\0")
        assert b"PREFECT_API_BLOCKS_REGISTER_ON_START=false" in environ
        assert b"PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE=100" in environ  # task-run events in batches
        types = {t["slug"] for t in api_post(state["url"], "/block_types/filter", {})}
        assert {"aws-credentials", "s3-bucket", "webhook"} <= types, types
    finally:
        if _alive(state["pid"]):
            os.kill(state["pid"], signal.SIGKILL)


def test_a_runs_own_api_records_every_task_run_before_it_stops(tmp_path):
    """The server records task-run events in batches a second apart (flows/tuning/embedded.py
    RECORDER_BATCHING): a run's own server, stopped as the run ends, still writes the last batch."""
    import sqlite3

    home = tmp_path / "prefect-home"
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(2):
        make_media(np.random.default_rng(i).normal(0, 1e-4, 8000).astype(np.float32), lib / f"t{i}.wav")
    run = run_cli("localize", str(lib), "--out", str(tmp_path / "out"), "--quiet", "--asr-model", "tiny.en",
                  env={"PREFECT_HOME": str(home), "LINGOFLOW_API_IDLE_SECONDS": "0"})
    assert run.returncode == 0, run.stderr
    assert not _servers_of(home)  # stopped with the run
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    with contextlib.closing(sqlite3.connect(home / "prefect.db")) as db:
        for item in report["items"]:
            recorded = {name.rsplit("-", 1)[0]: state for name, state in db.execute(
                "select t.name, t.state_type from task_run t join flow_run f on t.flow_run_id = f.id where f.name = ?", (item["item"],))}
            stages = {name.split(".")[0] for name in item["stages"]}  # captions.en: task "captions"
            assert stages and {recorded.get(s) for s in stages} == {"COMPLETED"}, (item["item"], recorded)


def _servers_of(home) -> list[int]:
    return [pid for pid in _servers() if f"PREFECT_HOME={home}".encode() in open(f"/proc/{pid}/environ", "rb").read().split(b"\0")]


def test_block_types_register_again_in_a_new_database(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.delenv("PREFECT_API_DATABASE_CONNECTION_URL", raising=False)
    assert embedded._blocks_key() is None and not embedded._blocks_registered()  # no database yet
    (tmp_path / "prefect.db").write_bytes(b"")
    key = embedded._blocks_key()
    (tmp_path / "lingoflow-api-blocks.json").write_text(json.dumps({"registered": key}))
    assert embedded._blocks_registered()
    (tmp_path / "prefect.db").rename(tmp_path / "old.db")  # the user removed the database: a new one is made
    (tmp_path / "prefect.db").write_bytes(b"")
    assert not embedded._blocks_registered()


def test_a_server_started_for_other_settings_is_not_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.setenv("LINGOFLOW_API_IDLE_SECONDS", "600")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    fingerprint = embedded._fingerprint()
    state = {"url": "http://127.0.0.1:9/api", "pid": os.getpid(), "fingerprint": fingerprint}
    (tmp_path / "lingoflow-api.json").write_text(json.dumps(state))
    assert embedded._shared_server() is None  # recorded, alive, matching, but not answering
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_TIMEOUT", "30")  # another server setting
    assert embedded._fingerprint() != fingerprint


def test_a_killed_runs_own_api_ends_itself(tmp_path):
    """LINGOFLOW_API_IDLE_SECONDS=0: the run's own server; a run killed before its exit handler
    (SIGKILL) does not leave it running for good."""
    import subprocess
    import sys

    home = tmp_path / "prefect-home"
    make_media(np.random.default_rng(7).normal(0, 1e-4, 48000).astype(np.float32), tmp_path / "a.wav")
    env = {**os.environ, "PREFECT_HOME": str(home), "LINGOFLOW_API_IDLE_SECONDS": "0"}
    env.pop("PREFECT_API_URL", None)
    before = set(_servers())
    run = subprocess.Popen([sys.executable, "-m", "lingoflow.flows.cli", "localize", str(tmp_path / "a.wav"), "--out", str(tmp_path / "out"),
                            "--quiet", "--asr-model", "tiny.en"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (set(_servers()) - before) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    server = set(_servers()) - before
    run.kill()
    run.wait()
    assert server, "the run started no server of its own"
    pid = server.pop()
    try:
        deadline = time.monotonic() + 150
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(1)
        assert not _alive(pid)  # no run holds it open: it ended itself
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _servers() -> list[int]:
    """The embedded API servers running now (their command line names flows/tuning/serverapp.py)."""
    found = []
    for proc in os.listdir("/proc"):
        if proc.isdigit():
            try:
                cmd = open(f"/proc/{proc}/cmdline", "rb").read()
            except OSError:
                continue
            if b"lingoflow.flows.tuning.serverapp:create_app" in cmd and _alive(int(proc)):
                found.append(int(proc))
    return found
