"""What a library run shows in Prefect (issue 20), on a real Prefect server with its UI:
`lingoflow serve --notify URL` serves the deployments; a run of three files (one a corrupt
.wav) into S3 (a real nanio server) is created through the REST API; the test reads back,
through the API, the table, markdown, link and progress artifacts, the file and library
events, the automation's call to a webhook server on 127.0.0.1, and fetches the outputs
through the artifacts' pre-signed links. Headless Chromium opens the run's Artifacts tab."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .ops_fixtures import ROOT, S3_KEYS, api_get, api_post, clips, free_port, library, minio_client, nanio, start_prefect_server, stop  # noqa: F401 (fixtures)

SECRET = S3_KEYS["LINGOFLOW_S3_SECRET_KEY"]
DEPLOYMENT = "lingoflow-library/library-on-demand"
PREFIX = "lingoflow-library-on-demand"  # artifact keys: stable per deployment
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


class Hook(BaseHTTPRequestHandler):
    calls: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Hook.calls.append({"path": self.path, "type": self.headers.get("Content-Type"), "body": body.decode("utf-8", "replace")})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _poll(what: str, fn, timeout: float = 90, every: float = 1.0):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"{what}: nothing after {timeout} s")
        time.sleep(every)


def _final(api: str, run_id: str, timeout: float = 500, during=None) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = api_get(api, f"/flow_runs/{run_id}")
        if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        if during:
            during()
        time.sleep(0.5)
    raise AssertionError(f"flow run {run_id} did not finish: {run['state']}")


def _artifacts(api: str, run_id: str) -> list[dict]:
    return api_post(api, "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}, "limit": 100})


def _events(api: str, since: str, run_id: str) -> list[dict]:
    page = api_post(api, "/events/filter", {"filter": {"occurred": {"since": since}, "event": {"prefix": ["lingoflow."]},
                                                       "related": {"id": [f"prefect.flow-run.{run_id}"]}}, "limit": 50})
    return page["events"]


def _link(artifact: dict) -> str:
    match = re.fullmatch(r"\[.*\]\((\S+)\)", artifact["data"])
    assert match, artifact["data"]
    return match.group(1)


@pytest.fixture(scope="module")
def served(clips, nanio, tmp_path_factory):
    base = tmp_path_factory.mktemp("visible")
    server, api = start_prefect_server(base / "prefect-home", ui=True)
    hook = ThreadingHTTPServer(("127.0.0.1", free_port()), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    Hook.calls.clear()
    lib = library(clips, base / "lib", ["a-rivers", "b-valley"])
    (lib / "c-broken.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00garbage" * 200)  # a corrupt .wav
    minio_client(nanio).make_bucket("visible")
    env = {**os.environ, **nanio, "PREFECT_API_URL": api, "LINGOFLOW_CACHE": str(base / "cache"), "LINGOFLOW_LINK_HOURS": "2",
           "PREFECT_LOGGING_LEVEL": "INFO"}  # what a user sees in the runs' logs
    url = f"http://127.0.0.1:{hook.server_address[1]}/lingoflow-hook"
    log = open(base / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "lingoflow.flows.cli", "serve", "--asr-model", "tiny.en", "--limit", "2", "--notify", url],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield {"api": api, "lib": lib, "base": base, "s3": nanio, "proc": proc}
    finally:
        stop(proc)
        log.close()
        hook.shutdown()
        stop(server)


@pytest.fixture(scope="module")
def library_run(served):
    """One run of the on-demand deployment, created through the REST API, watched to its end."""
    api = served["api"]

    def deployment():
        assert served["proc"].poll() is None, (served["base"] / "serve.log").read_text()[-3000:]
        return _try(lambda: api_get(api, f"/deployments/name/{DEPLOYMENT}"))

    dep = _poll("the served deployment", deployment, timeout=180)
    since = datetime.now(timezone.utc).isoformat()
    run = api_post(api, f"/deployments/{dep['id']}/create_flow_run",
                   {"parameters": {"library": str(served["lib"]), "out": "s3://visible/run", "targets": ["pt"], "asr_model": "tiny.en"}})
    progress_seen: set[float] = set()
    finished = threading.Event()

    def watch_progress():  # its own thread, every 0.1 s: an intermediate count is shown for PROGRESS_EVERY (1 s) only
        while not finished.is_set():
            for a in _try(lambda: _artifacts(api, run["id"])) or []:
                if a["type"] == "progress":
                    progress_seen.add(float(a["data"]))
            finished.wait(0.1)

    watcher = threading.Thread(target=watch_progress, daemon=True)
    watcher.start()
    try:
        final = _final(api, run["id"])
    finally:
        finished.set()
        watcher.join(timeout=30)
    assert final["state"]["type"] == "COMPLETED", (final["state"], (served["base"] / "serve.log").read_text()[-3000:])
    return {**served, "run": final, "since": since, "progress_seen": progress_seen}


def _try(fn):
    try:
        return fn()
    except OSError:
        return None


def test_artifacts_describe_every_file_and_link_to_the_outputs(library_run):
    api, run_id = library_run["api"], library_run["run"]["id"]
    arts = {a["key"] or f"link:{a['description']}": a for a in _artifacts(api, run_id)}
    table = arts[f"{PREFIX}-files"]
    assert table["type"] == "table"
    rows = {r["item"]: r for r in json.loads(table["data"])}
    assert sorted(rows) == ["a-rivers", "b-valley", "c-broken"]
    bad = rows["c-broken"]
    assert bad["status"] == "failed" and "c-broken.wav" in bad["error"] and "could not read it as media" in bad["error"], bad
    for item in ("a-rivers", "b-valley"):
        ok = rows[item]
        assert ok["status"] == "ok" and ok["error"] == "" and ok["language"] == "en" and ok["targets"] == "pt", ok
        assert 1.5 < ok["audio (s)"] < 6 and ok["real-time factor"] > 0 and ok["speakers"] >= 1 and ok["cached or run"] == "run", ok

    summary = arts[f"{PREFIX}-summary"]
    assert summary["type"] == "markdown"
    text = summary["data"]
    assert "3 file(s), 1 failed" in text and "c-broken" in text and "could not read it as media" in text, text

    # the links are pre-signed GETs: what they fetch is the outputs themselves
    with urllib.request.urlopen(_link(arts[f"{PREFIX}-report"]), timeout=30) as resp:
        page = resp.read().decode("utf-8")
    assert "<html" in page.lower() and all(item in page for item in ("a-rivers", "b-valley", "c-broken"))
    outputs = [a for key, a in arts.items() if key.startswith("link:") and "localized output" in key]
    assert sorted(a["description"].split(":")[0] for a in outputs) == ["a-rivers", "b-valley"]
    for a in outputs:
        link = _link(a)
        assert "X-Amz-Expires=7200" in link and SECRET not in link  # LINGOFLOW_LINK_HOURS=2; the secret key is never in a link
        with urllib.request.urlopen(link, timeout=30) as resp:
            assert resp.read(4) == b"\x1a\x45\xdf\xa3"  # a Matroska container (EBML)

    assert float(arts[f"{PREFIX}-progress"]["data"]) == 100.0
    assert any(0 < p < 100 for p in library_run["progress_seen"]), library_run["progress_seen"]  # it advanced file by file


def test_events_for_every_file_and_the_library(library_run):
    api, run_id = library_run["api"], library_run["run"]["id"]
    evs = _poll("the lingoflow events", lambda: (lambda e: e if len(e) >= 4 else None)(_events(api, library_run["since"], run_id)), timeout=60)
    by_name = {}
    for e in evs:
        by_name.setdefault(e["event"], []).append(e)
    files = by_name["lingoflow.file.completed"] + by_name["lingoflow.file.failed"]
    assert sorted(e["payload"]["item"] for e in by_name["lingoflow.file.completed"]) == ["a-rivers", "b-valley"]
    (failed,) = by_name["lingoflow.file.failed"]
    assert failed["payload"]["source"].endswith("c-broken.wav") and "could not read it as media" in failed["payload"]["error"]
    (done,) = by_name["lingoflow.library.completed"]
    library = done["resource"]["prefect.resource.id"]
    assert library.startswith("lingoflow.library.lib-") and done["resource"]["lingoflow.status"] == "failed"
    assert done["payload"]["files"] == 3 and done["payload"]["failed"] == 1 and done["payload"]["out"] == "s3://visible/run"
    dep = api_get(api, f"/deployments/name/{DEPLOYMENT}")
    for e in files + [done]:
        related = {(r["prefect.resource.role"], r["prefect.resource.id"]) for r in e["related"]}
        assert {("flow-run", f"prefect.flow-run.{run_id}"), ("deployment", f"prefect.deployment.{dep['id']}")} <= related, e["related"]
    for e in files:
        assert {"prefect.resource.id": library, "prefect.resource.role": "library"}.items() <= next(
            r for r in e["related"] if r["prefect.resource.role"] == "library").items()
        assert e["payload"]["out"] == f"s3://visible/run/{e['payload']['item']}"
        figures = e["payload"]["figures"]
        assert set(figures) >= {"audio_seconds", "seconds", "realtime_factor", "speakers", "language", "cached", "stages"}
    ok = next(e for e in files if e["payload"]["item"] == "a-rivers")["payload"]["figures"]
    assert ok["audio_seconds"] > 1.5 and ok["language"] == "en" and ok["cached"] is False and "transcribe" in ok["stages"]


def test_automation_calls_the_webhook_for_failed_files_and_for_a_failed_run(library_run):
    api, run_id = library_run["api"], library_run["run"]["id"]
    names = {a["name"] for a in api_post(api, "/automations/filter", {})}
    assert {"lingoflow-library-failed-files", "lingoflow-library-run-crashed"} <= names

    def failed_files_call():
        for call in Hook.calls:
            body = json.loads(call["body"])
            if body.get("event") == "lingoflow.library.completed" and (body.get("flow_run") or {}).get("id") == run_id:
                return call
        return None

    call = _poll("the webhook call for failed files", failed_files_call, timeout=90)
    body = json.loads(call["body"])
    assert call["path"] == "/lingoflow-hook" and call["type"] == "application/json"
    assert body["failed"] == 1 and body["files"] == 3 and [f["item"] for f in body["failures"]] == ["c-broken"]
    assert body["deployment"] == "library-on-demand" and body["links"]["report"].startswith("http")

    # a run that fails (here: a library folder that does not exist) calls it too
    dep = api_get(api, f"/deployments/name/{DEPLOYMENT}")
    bad = api_post(api, f"/deployments/{dep['id']}/create_flow_run",
                   {"parameters": {"library": str(library_run["base"] / "missing"), "out": "s3://visible/x"}})
    assert _final(api, bad["id"])["state"]["type"] == "FAILED"

    def failed_run_call():
        for call in Hook.calls:
            body = json.loads(call["body"])
            if body.get("flow_run", {}).get("id") == f"prefect.flow-run.{bad['id']}":
                return body
        return None

    body = _poll("the webhook call for the failed run", failed_run_call, timeout=90)
    assert body["event"] == "prefect.flow-run.Failed" and body["state"] == "Failed"


def test_no_artifact_event_log_or_call_carries_the_secret(library_run):
    api = library_run["api"]
    runs = api_post(api, "/flow_runs/filter", {"limit": 200})
    logs = api_post(api, "/logs/filter", {"logs": {"flow_run_id": {"any_": [r["id"] for r in runs]}}, "limit": 200})
    arts = api_post(api, "/artifacts/filter", {"limit": 200})
    evs = api_post(api, "/events/filter", {"filter": {"occurred": {"since": library_run["since"]}}, "limit": 50})["events"]
    blob = json.dumps([logs, arts, evs, Hook.calls])
    assert len(logs) > 10 and arts and evs
    assert SECRET not in blob
    file_logs = "\n".join(entry["message"] for entry in logs)
    assert re.search(r"^transcribe: ran in \d+\.\d\d s$", file_logs, re.MULTILINE), file_logs[-2000:]  # one line per stage, with its figures
    names = {r["name"] for r in runs if r["parent_task_run_id"]}
    assert {"a-rivers", "b-valley", "c-broken"} <= names  # the file runs are named after their files


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium (make test installs it)")
def test_prefect_ui_artifacts_tab_shows_the_table(library_run):
    sync_api = pytest.importorskip("playwright.sync_api", reason="python playwright is not installed (make setup installs it)")
    ui = library_run["api"].removesuffix("/api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{ui}/runs/flow-run/{library_run['run']['id']}", wait_until="networkidle")
            page.locator(".p-tab", has_text="Artifacts").click()
            cards = page.locator("#artifacts-content .artifact-card__title")
            cards.filter(has_text=f"{PREFIX}-summary").wait_for(timeout=30000)  # the run's other artifacts are listed too
            assert cards.filter(has_text=f"{PREFIX}-report").count() == 1
            cards.filter(has_text=f"{PREFIX}-files").click()  # the table's own page renders it
            rows = page.locator("table tbody tr")
            sync_api.expect(rows).to_have_count(3, timeout=30000)
            cells = {r.locator("td").first.inner_text().strip(): r.inner_text() for r in rows.all()}
            assert sorted(cells) == ["a-rivers", "b-valley", "c-broken"], cells
            assert "failed" in cells["c-broken"] and "could not read it as media" in cells["c-broken"], cells["c-broken"]
            assert all("ok" in cells[i] and "pt" in cells[i] for i in ("a-rivers", "b-valley")), cells
            (ROOT / "test-artifacts").mkdir(exist_ok=True)
            page.screenshot(path=str(ROOT / "test-artifacts" / "prefect-artifacts.png"), full_page=True)
        finally:
            browser.close()
