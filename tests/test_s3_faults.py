"""S3 faults through the real CLI and a real S3 server (nanio on 127.0.0.1, used as MinIO):
bad endpoint or credentials fail before any audio; an endpoint dying mid-run fails the files
it affects after bounded retries, leaves nothing partial, loses nothing (a re-run completes
from what was kept); the secret key appears in no output, log, report or Prefect database."""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .ops_fixtures import ROOT, S3_KEYS, clips, free_port, minio_client, nanio, nanio_env, start_nanio, stop  # noqa: F401 (fixtures)

SECRET = S3_KEYS["LINGOFLOW_S3_SECRET_KEY"]
FAST_RETRIES = {"LINGOFLOW_S3_RETRIES": "2", "LINGOFLOW_S3_RETRY_DELAY": "0.2"}


def _env(tmp_path: Path, s3: dict, **extra) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LINGOFLOW_S3_", "PREFECT_API_URL"))}
    return {**base, **s3, **FAST_RETRIES, "LINGOFLOW_CACHE": str(tmp_path / "cache"), "PREFECT_HOME": str(tmp_path / "prefect-home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra}


def _localize(env: dict, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lingoflow.flows.cli", "localize", *args, "--to", "pt", "--asr-model", "tiny.en",
                           "--diarize-engine", "none"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def s3_library(nanio, clips):
    client = minio_client(nanio)
    for bucket in ("faults-in", "faults-out"):
        if not client.bucket_exists(bucket):
            client.make_bucket(bucket)
    client.fput_object("faults-in", f"lib/{clips['a-rivers'].name}", str(clips["a-rivers"]))
    return nanio


CASES = {
    "wrong secret": ({"LINGOFLOW_S3_SECRET_KEY": "wrong-secret-value-987"}, "s3://faults-in/lib", r"SignatureDoesNotMatch.*not accepted"),
    "unknown access key": ({"LINGOFLOW_S3_ACCESS_KEY": "nobody"}, "s3://faults-in/lib", r"(InvalidAccessKeyId|AccessDenied).*not accepted"),
    "unreachable endpoint": ({"LINGOFLOW_S3_ENDPOINT": "127.0.0.1:{closed}"}, "s3://faults-in/lib",
                             r"127\.0\.0\.1:\d+ unreachable after 3 attempt\(s\).*LINGOFLOW_S3_ENDPOINT"),
    "missing bucket": ({}, "s3://no-such-bucket/lib", r"bucket 'no-such-bucket' does not exist"),
    "credentials in the endpoint": ({"LINGOFLOW_S3_ENDPOINT": "http://lingoflow-test:{secret}@127.0.0.1:{port}"}, "s3://faults-in/lib",
                                    r"LINGOFLOW_S3_ENDPOINT must be host:port"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_s3_settings_fail_before_any_audio(case, s3_library, tmp_path):
    override, source, expected = CASES[case]
    port = s3_library["LINGOFLOW_S3_ENDPOINT"].rsplit(":", 1)[1]
    override = {k: v.format(closed=free_port(), secret=SECRET, port=port) for k, v in override.items()}
    env = _env(tmp_path, {**s3_library, **override})
    proc = _localize(env, source, "--out", "s3://faults-out/bad", timeout=120)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert re.search(expected, proc.stderr.replace("\n", " ")), proc.stderr[-2000:]
    assert SECRET not in proc.stdout + proc.stderr and "wrong-secret-value-987" not in proc.stdout + proc.stderr
    if case == "unreachable endpoint":  # bounded retries, each one said
        assert proc.stderr.count("retry 1/2") == 1 and proc.stderr.count("retry 2/2") == 1 and "retry 3/" not in proc.stderr
    # failed before any audio: nothing downloaded, decoded or staged, and no Prefect run started
    cache = tmp_path / "cache"
    assert not any((cache / d).exists() for d in ("sources", "audio", "outbox", "results")), list(cache.rglob("*"))[:10]
    assert not (tmp_path / "prefect-home").exists() or not list((tmp_path / "prefect-home").glob("*.db"))
    assert not list(minio_client(s3_library).list_objects("faults-out", prefix="bad/", recursive=True))


def _wait_for(client, bucket: str, key: str, stop_event: threading.Event) -> bool:
    while not stop_event.is_set():
        try:
            client.stat_object(bucket, key)
            return True
        except Exception:
            time.sleep(0.05)
    return False


def _grep_tree(root: Path, needle: bytes) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as fh:
                if needle in fh.read():
                    hits.append(str(path))
    return hits


def test_endpoint_dying_mid_run_loses_nothing_and_leaks_no_secret(clips, tmp_path):
    """The server is killed (SIGKILL) the moment the first file's outputs are up: the other files
    fail after bounded retries with a clear cause; every object left is whole; after the server
    is back, a re-run reuses the first file and completes the rest."""
    port, data = free_port(), tmp_path / "nanio-data"
    data.mkdir()
    server = start_nanio(data, port)
    s3 = nanio_env(port)
    client = minio_client(s3)
    try:
        client.make_bucket("media")
        client.make_bucket("out")
        for name in ("a-rivers", "b-valley", "c-review"):
            client.fput_object("media", f"lib/{clips[name].name}", str(clips[name]))
        env = _env(tmp_path, s3)
        # one file after another (--jobs 1): the outage must find files 2 and 3 not yet up
        run = subprocess.Popen([sys.executable, "-m", "lingoflow.flows.cli", "localize", "s3://media/lib", "--out", "s3://out/run", "--to", "pt",
                                "--asr-model", "tiny.en", "--diarize-engine", "none", "--verbose", "--jobs", "1"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stop_event = threading.Event()
        killed = threading.Event()

        def kill_when_first_file_is_up():
            if _wait_for(client, "out", "run/a-rivers/a-rivers.localized.mka", stop_event):
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
                killed.set()

        watcher = threading.Thread(target=kill_when_first_file_is_up, daemon=True)
        watcher.start()
        try:
            out, err = run.communicate(timeout=600)
        finally:
            stop_event.set()
            watcher.join(5)
        assert killed.is_set(), f"the first file never reached S3: {err[-3000:]}"
        assert run.returncode == 1, err[-3000:]
        # the files the outage hit failed with the cause; the retries were bounded and logged
        assert "unreachable after" in err and "retry 1/2" in err and "retry 2/2" in err and "retry 3/" not in err, err[-3000:]
        kept = re.search(r"the report is kept at (\S+?\.json)", err)
        assert kept, err[-3000:]
        report = json.loads(Path(kept.group(1)).read_text())
        status = {i["item"]: i for i in report["items"]}
        assert status["a-rivers"]["status"] == "ok"
        for item in ("b-valley", "c-review"):
            assert status[item]["status"] == "failed" and "unreachable" in status[item]["error"], status[item]

        server = start_nanio(data, port)  # the server comes back with what it had stored
        objects = {o.object_name: o for o in client.list_objects("out", recursive=True)}
        assert "run/report.json" not in objects  # the report never claims a finished run
        assert not [k for k in objects if ".part" in k or "/." in k.replace("run/.lingoflow/", "run/")]
        for key in objects:  # every object is whole: its bytes match the SHA-256 lingoflow recorded, JSON parses
            resp = client.get_object("out", key)
            body = resp.read()
            resp.close()
            meta = {k.lower(): v for k, v in client.stat_object("out", key).metadata.items()}
            if "x-amz-meta-sha256" in meta:
                assert hashlib.sha256(body).hexdigest() == meta["x-amz-meta-sha256"], key
            if key.endswith(".json"):
                json.loads(body)
            assert SECRET.encode() not in body, key
        assert not [k for k in objects if k.startswith(("run/b-valley/", "run/c-review/")) and ".localized." in k]

        again = _localize(env, "s3://media/lib", "--out", "s3://out/run", "--quiet")
        assert again.returncode == 0, again.stderr[-3000:]
        final = json.loads(client.get_object("out", "run/report.json").read())
        assert [i["status"] for i in final["items"]] == ["ok", "ok", "ok"]
        first = next(i for i in final["items"] if i["item"] == "a-rivers")
        assert all(s["cached"] for s in first["stages"].values()), first["stages"]  # nothing done before the outage is redone
        for item in ("b-valley", "c-review"):
            done = next(i for i in final["items"] if i["item"] == item)
            assert not done["stages"]["transcribe"]["cached"]

        # the secret is nowhere: not in what either run printed, the cache, Prefect's database and logs
        assert SECRET not in out + err + again.stdout + again.stderr
        assert _grep_tree(tmp_path / "cache", SECRET.encode()) == []
        assert list((tmp_path / "prefect-home").glob("*.db")), "the run used its own Prefect database"
        assert _grep_tree(tmp_path / "prefect-home", SECRET.encode()) == []
        # ... where the runs' artifacts (pre-signed links among them) and events are kept too
        assert _grep_tree(tmp_path / "prefect-home", b"lingoflow.library.completed") and _grep_tree(tmp_path / "prefect-home", b"X-Amz-Signature")
    finally:
        stop(server)


def test_retries_are_bounded_and_only_for_transient_failures(caplog, monkeypatch):
    from minio.error import S3Error

    from lingoflow.store import s3client
    from lingoflow.errors import InputError

    monkeypatch.setenv("LINGOFLOW_S3_RETRIES", "3")
    monkeypatch.setenv("LINGOFLOW_S3_RETRY_DELAY", "0.01")
    monkeypatch.setattr(s3client, "_down", {})
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionResetError("Connection reset by peer")
        return "done"

    with caplog.at_level("WARNING", logger="lingoflow.s3"):
        assert s3client.call("h:1", "s3://b/k", flaky) == "done"
    assert len(calls) == 3 and [r.message.split("; ")[-1] for r in caplog.records] == ["retry 1/3 in 0.0 s", "retry 2/3 in 0.0 s"]

    calls.clear()

    def refused():
        calls.append(1)
        raise S3Error(None, "AccessDenied", "Access denied", "/b/k", "r", "h")

    with pytest.raises(InputError, match="AccessDenied.*not accepted"):
        s3client.call("h:1", "s3://b/k", refused)
    assert len(calls) == 1  # deterministic: never retried

    calls.clear()

    def down():
        calls.append(1)
        raise ConnectionRefusedError("Connection refused")

    with pytest.raises(s3client.StorageUnavailable, match="unreachable after 4 attempt"):
        s3client.call("h:1", "s3://b/k", down)
    assert len(calls) == 4
    calls.clear()
    with pytest.raises(s3client.StorageUnavailable, match="still unreachable"):  # known down: one attempt only
        s3client.call("h:1", "s3://b/k2", down)
    assert len(calls) == 1
    assert s3client.call("h:1", "s3://b/k3", lambda: 42) == 42 and "h:1" not in s3client._down  # back up

    def disk_full():
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):  # a local failure is not an S3 failure: not retried, not renamed
        s3client.call("h:1", "s3://b/k", disk_full)


def test_listing_pages_through_a_real_server(nanio, monkeypatch):
    from lingoflow.store.storage import S3Store

    for k, v in nanio.items():
        monkeypatch.setenv(k, v)
    client = minio_client(nanio)
    client.make_bucket("pages")
    names = [f"lib/{i:02d}.wav" for i in range(7)]
    for name in names:
        client.put_object("pages", name, io.BytesIO(b"RIFF"), 4)
    store = S3Store("s3://pages/lib")
    monkeypatch.setattr(S3Store, "LIST_PAGE", 3)
    assert [o.key for o in store.list()] == [n[len("lib/"):] for n in names]
