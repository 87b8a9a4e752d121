"""Beyond one machine: deployments/prefect.yaml deployed with `prefect deploy --all` to a
process work pool, two `prefect worker` processes, and a library run that hands each of four
files to a localize-file deployment run: both workers localize files of the one library."""
import json
import os
import subprocess
import time
from datetime import datetime, timezone

import pytest

from .ops_fixtures import BIN, ROOT, api_get, api_post, clips, library, prefect_api, stages_of, stop  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def deployed(prefect_api):
    """deployments/prefect.yaml deployed to a process work pool on the test server."""
    env = {**os.environ, "PREFECT_API_URL": prefect_api}
    prefect = str(BIN / "prefect")
    subprocess.run([prefect, "work-pool", "create", "lingoflow", "--type", "process"], env=env, cwd=ROOT, capture_output=True)
    deploy = subprocess.run([prefect, "--no-prompt", "deploy", "--all", "--prefect-file", "deployments/prefect.yaml"],
                            env=env, cwd=ROOT, capture_output=True, text=True)
    assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-3000:]
    return prefect_api


def test_a_repeated_file_run_request_starts_one_run(deployed, tmp_path):
    # what the API client does when a busy server took a request but its answer was lost: it asks again
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from lingoflow.flows.deployments import FILE_DEPLOYMENT
    from lingoflow.flows.fanout import start_file_run

    params = {"source": str(tmp_path / "a.wav"), "item": "a", "out": str(tmp_path / "out")}

    @flow
    def library_run_stand_in() -> list:
        return [start_file_run(FILE_DEPLOYMENT, params, "a", timeout=0).id for _ in range(2)]

    with temporary_settings({PREFECT_API_URL: deployed}):
        ids = library_run_stand_in()
        with get_client(sync_client=True) as client:  # no worker runs them; leave none for later tests
            for run_id in set(ids):
                client.delete_flow_run(run_id)
    assert ids[0] == ids[1]


def test_two_workers_share_a_four_file_library(deployed, clips, tmp_path):
    prefect_api = deployed
    lib = library(clips, tmp_path / "lib", ["a-rivers", "b-valley", "c-review", "d-delta"])
    out = tmp_path / "out"
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "LINGOFLOW_CACHE": str(tmp_path / "cache"),
           "LINGOFLOW_HOME": str(ROOT), "PREFECT_WORKER_QUERY_SECONDS": "1"}
    prefect = str(BIN / "prefect")
    nightly = api_get(prefect_api, "/deployments/name/lingoflow-library/course-library-nightly")
    assert nightly["schedules"][0]["schedule"] == {"cron": "0 2 * * *", "timezone": "Europe/Lisbon", "day_or": True}
    assert nightly["work_pool_name"] == "lingoflow"
    file_dep = api_get(prefect_api, "/deployments/name/localize-file/localize-file")
    assert file_dep["entrypoint"] == "lingoflow.flows.localize:localize_file"

    workers = [subprocess.Popen([prefect, "worker", "start", "--pool", "lingoflow", "--limit", "1", "--name", name],
                                env={**env, "LINGOFLOW_WORKER_NAME": name}, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True) for name in ("w1", "w2")]
    try:
        proc = subprocess.run([str(BIN / "lingoflow"), "localize", str(lib), "--to", "pt", "--out", str(out),
                               "--asr-model", "tiny.en", "--fan-out", "--quiet"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=540)
    finally:
        for w in workers:
            stop(w)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert [i["status"] for i in report["items"]] == ["ok"] * 4
    ran_on = {i["item"]: i["worker"].rsplit("/", 1)[-1] for i in report["items"]}
    assert set(ran_on.values()) == {"w1", "w2"}, ran_on
    for item, stages in stages_of(report).items():
        assert not stages["transcribe"] and (out / item / "dub.pt.wav").is_file()
    # no limit configured: the stage tasks carry no tag, so Prefect asks for no concurrency slot per task
    runs = _stage_runs(prefect_api, "transcribe", since=None)
    assert len(runs) >= 4 and all(r["tags"] == [] for r in runs), [r["tags"] for r in runs]


def _stage_runs(api: str, name: str, since: str | None) -> list[dict]:
    """The server's record of a stage's task runs (completed ones, with their times)."""
    flt = {"name": {"like_": f"{name}-"}, "state": {"type": {"any_": ["COMPLETED"]}}}  # runs are named <task>-<suffix>
    if since:
        flt["start_time"] = {"after_": since}
    return api_post(api, "/task_runs/filter", {"task_runs": flt, "limit": 200})


def _run_library(api: str, lib, out, cache, names: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_API_URL": api, "LINGOFLOW_CACHE": str(cache), "PREFECT_WORKER_QUERY_SECONDS": "1"}
    prefect = str(BIN / "prefect")
    workers = [subprocess.Popen([prefect, "worker", "start", "--pool", "lingoflow", "--limit", "1", "--name", name],
                                env={**env, "LINGOFLOW_WORKER_NAME": name}, cwd=out.parent, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True) for name in names]
    try:
        return subprocess.run([str(BIN / "lingoflow"), "localize", str(lib), "--to", "pt", "--out", str(out),
                               "--asr-model", "tiny.en", "--fan-out", "--quiet"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=540)
    finally:
        for w in workers:
            stop(w)


def test_an_asr_limit_of_one_holds_across_two_workers(deployed, clips, tmp_path):
    """`prefect concurrency-limit create asr 1`: two workers, three files, never two ASR runs at once."""
    prefect = str(BIN / "prefect")
    env = {**os.environ, "PREFECT_API_URL": deployed}
    made = subprocess.run([prefect, "concurrency-limit", "create", "asr", "1"], env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stdout + made.stderr
    since = datetime.now(timezone.utc).isoformat()
    try:
        lib = library(clips, tmp_path / "lib", ["a-rivers", "b-valley", "c-review"])
        proc = _run_library(deployed, lib, tmp_path / "out", tmp_path / "cache", ["w1", "w2"])
    finally:
        subprocess.run([prefect, "concurrency-limit", "delete", "asr"], env=env, capture_output=True, input="y\n", text=True)
    report = tmp_path / "out" / "report.json"
    assert proc.returncode == 0, proc.stderr[-3000:] + (report.read_text()[-3000:] if report.is_file() else "")
    runs = _stage_runs(deployed, "transcribe", since)
    assert len(runs) == 3 and all(r["tags"] == ["asr"] for r in runs), [r["tags"] for r in runs]
    spans = sorted((datetime.fromisoformat(r["start_time"]), datetime.fromisoformat(r["end_time"])) for r in runs)
    assert all(prev_end <= start for (_, prev_end), (start, _) in zip(spans, spans[1:])), spans
    # the other stages were not held back: the translations ran untagged
    assert all(r["tags"] == [] for r in _stage_runs(deployed, "translate", since))
