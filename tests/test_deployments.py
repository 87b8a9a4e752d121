"""`lingoflow serve` against a real Prefect server: the on-demand deployment triggered through
the REST API, the nightly deployment's schedule, and parameter errors in the run's log."""
import os
import subprocess
import time

import pytest

from .ops_fixtures import BIN, ROOT, api_get, api_post, clips, library, prefect_api, stop  # noqa: F401 (fixtures)


def _deployment(api: str, name: str, timeout: float = 120) -> dict:
    deadline = time.time() + timeout
    while True:
        try:
            return api_get(api, f"/deployments/name/{name}")
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.5)


def _wait_final(api: str, run_id: str, timeout: float = 400) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = api_get(api, f"/flow_runs/{run_id}")
        if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        time.sleep(1)
    raise AssertionError(f"flow run {run_id} did not finish: {run['state']}")


def _logs(api: str, run_id: str) -> str:
    logs = api_post(api, "/logs/filter", {"logs": {"flow_run_id": {"any_": [run_id]}}, "limit": 200})
    return "\n".join(entry["message"] for entry in logs)


def _logs_or_state(api: str, run_id: str, final: dict, expected: str, wait: float = 30) -> str:
    """The run's logs and its final state message. The worker ships logs in batches after the
    state is already final, so poll until `expected` shows up or `wait` runs out; a parameter
    refused by validation is reported in the state before the flow body runs."""
    deadline = time.time() + wait
    while True:
        text = _logs(api, run_id) + "\n" + (final["state"].get("message") or "")
        if expected in text or time.time() > deadline:
            return text
        time.sleep(1)


@pytest.fixture(scope="module")
def served(prefect_api, clips, tmp_path_factory):
    base = tmp_path_factory.mktemp("served")
    lib = library(clips, base / "lib", ["a-rivers", "b-valley"])
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "LINGOFLOW_CACHE": str(base / "cache")}
    proc = subprocess.Popen([str(BIN / "lingoflow"), "serve", "--library", str(lib), "--out", str(base / "nightly"), "--to", "pt",
                             "--cron", "30 3 * * *", "--timezone", "Europe/Lisbon", "--asr-model", "tiny.en", "--limit", "2"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield prefect_api, lib, base
    finally:
        stop(proc)  # before the server goes away


def test_on_demand_run_through_rest_api(served):
    api, lib, base = served
    dep = _deployment(api, "lingoflow-library/library-on-demand")
    assert not dep["schedules"]
    out = base / "on-demand"
    run = api_post(api, f"/deployments/{dep['id']}/create_flow_run",
                   {"parameters": {"library": str(lib), "out": str(out), "targets": ["pt"], "asr_model": "tiny.en"}})
    final = _wait_final(api, run["id"])
    assert final["state"]["type"] == "COMPLETED", (final["state"], _logs(api, run["id"]))
    for item in ("a-rivers", "b-valley"):
        assert (out / item / "transcript.pt.json").is_file() and (out / item / "dub.pt.wav").is_file()
    assert (out / "report.json").is_file()


def test_bad_parameters_fail_with_a_clear_error_in_the_log(served):
    api, lib, base = served
    dep = _deployment(api, "lingoflow-library/library-on-demand")
    run = api_post(api, f"/deployments/{dep['id']}/create_flow_run",
                   {"parameters": {"library": str(base / "no-such-folder"), "out": str(base / "x"), "targets": ["pt"]}})
    final = _wait_final(api, run["id"])
    assert final["state"]["type"] == "FAILED"
    expected = "parameter 'library': not found on this worker"
    assert expected in _logs_or_state(api, run["id"], final, expected)
    run = api_post(api, f"/deployments/{dep['id']}/create_flow_run",
                   {"parameters": {"library": str(lib), "out": str(base / "x"), "targets": ["xx"]}})
    final = _wait_final(api, run["id"])
    assert final["state"]["type"] == "FAILED"
    assert "unknown language code" in _logs_or_state(api, run["id"], final, "unknown language code")
    assert not (base / "x").exists()


def test_nightly_has_its_schedule_and_upcoming_runs(served):
    api, lib, base = served
    dep = _deployment(api, "lingoflow-library/course-library-nightly")
    (sched,) = dep["schedules"]
    assert sched["schedule"]["cron"] == "30 3 * * *" and sched["schedule"]["timezone"] == "Europe/Lisbon"
    assert dep["parameters"]["library"] == str(lib) and dep["parameters"]["targets"] == ["pt"]
    deadline = time.time() + 60
    while True:
        runs = api_post(api, "/flow_runs/filter", {"flow_runs": {"deployment_id": {"any_": [dep["id"]]}, "state": {"type": {"any_": ["SCHEDULED"]}}}, "limit": 5})
        if runs or time.time() > deadline:
            break
        time.sleep(1)
    assert runs, "the scheduler created no upcoming run"
    from datetime import datetime
    from zoneinfo import ZoneInfo

    when = datetime.fromisoformat(runs[0]["expected_start_time"].replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/Lisbon"))
    assert (when.hour, when.minute) == (3, 30) and when > datetime.now(ZoneInfo("UTC"))
