"""The embedded Prefect API outlives a CLI run for the next one, and ends itself once idle
(flows/embedded.py, flows/serverapp.py): real CLI runs, read back from the server's own record."""
from __future__ import annotations

import json
import os
import signal
import time

import numpy as np

from lingoflow.flows import embedded
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
    finally:
        if _alive(state["pid"]):
            os.kill(state["pid"], signal.SIGKILL)


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
