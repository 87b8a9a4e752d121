"""s3:// in and out through a real S3 server (nanio, used exactly as MinIO)."""
import json
import subprocess
import sys
import threading
import time

import pytest

from lingoflow.errors import ConfigError
from lingoflow.store.storage import S3Config, S3Store, check_key, split_s3

from .ops_fixtures import ROOT, clips, minio_client, nanio, prefect_api  # noqa: F401 (fixtures)


def test_keys_stay_inside_the_prefix():
    for bad in ("../x", "a/../../x", "/abs", "a//b", "a/./b", ""):
        with pytest.raises(ConfigError):
            check_key(bad)
    assert split_s3("s3://media/lib/") == ("media", "lib")
    with pytest.raises(ConfigError):
        split_s3("s3://media/../etc")
    assert "secret" not in repr(S3Config("h:1", "key", "secret"))


def test_store_round_trip_streamed_and_multipart(nanio, tmp_path, monkeypatch):
    for k, v in nanio.items():
        monkeypatch.setenv(k, v)
    minio_client(nanio).make_bucket("store")
    store = S3Store("s3://store/base")
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * (85 * 1024))  # 21 MiB: two parts at 16 MiB
    store.upload(big, "sub/big.bin", sha256="ab" * 32)
    info = store.stat("sub/big.bin")
    assert info.size == big.stat().st_size and info.sha256 == "ab" * 32 and "-2" in info.etag  # a 2-part multipart ETag
    store.download("sub/big.bin", tmp_path / "back.bin")
    assert (tmp_path / "back.bin").read_bytes() == big.read_bytes()
    assert [o.key for o in store.list()] == ["sub/big.bin"]
    assert store.stat("missing") is None and store.read_bytes("missing") is None


def test_s3_in_and_out_no_partial_object_visible(clips, nanio, prefect_api, tmp_path):
    client = minio_client(nanio)
    client.make_bucket("media")
    client.make_bucket("localized")
    for name in ("a-rivers", "c-review"):
        client.fput_object("media", f"courses/{clips[name].name}", str(clips[name]))
    client.put_object("media", "courses/notes.txt", __import__("io").BytesIO(b"not media"), 9)
    env = {**__import__("os").environ, **nanio, "LINGOFLOW_CACHE": str(tmp_path / "cache"), "PREFECT_API_URL": prefect_api}
    seen: dict[str, set[int]] = {}
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            for obj in client.list_objects("localized", recursive=True):
                seen.setdefault(obj.object_name, set()).add(obj.size)
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        proc = subprocess.run([sys.executable, "-m", "lingoflow.flows.cli", "localize", "s3://media/courses", "--to", "pt",
                               "--out", "s3://localized/run1", "--asr-model", "tiny.en", "--diarize-engine", "none", "--quiet"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    finally:
        stop.set()
        watcher.join()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "lingoflow-test-secret" not in proc.stderr + proc.stdout
    final = {o.object_name: o.size for o in client.list_objects("localized", prefix="run1/", recursive=True)}
    for item in ("a-rivers", "c-review"):
        for name in ("transcript.json", "captions.en.srt", "transcript.pt.json", "captions.pt.vtt", "dub.pt.wav"):
            assert f"run1/{item}/{name}" in final, name
    assert "run1/a-rivers/a-rivers.localized.mka" in final and "run1/c-review/c-review.localized.mp4" in final
    report = json.loads(client.get_object("localized", "run1/report.json").read())
    assert [i["source"] for i in report["items"]] == ["s3://media/courses/a-rivers.wav", "s3://media/courses/c-review.mp4"]
    assert all(i["status"] == "ok" for i in report["items"])
    # every object the watcher ever listed had its final size: none was visible while partial
    for key, sizes in seen.items():
        if key in final:
            assert sizes == {final[key]}, (key, sizes)
    assert not [k for k in final if ".part" in k]
    # the results are on S3 beside the outputs (OUT/.lingoflow): a second run reuses them
    assert any(k.startswith("run1/.lingoflow/results/transcribe/") for k in final)
    again = subprocess.run([sys.executable, "-m", "lingoflow.flows.cli", "localize", "s3://media/courses", "--to", "pt",
                            "--out", "s3://localized/run1", "--asr-model", "tiny.en", "--diarize-engine", "none", "--quiet"],
                           cwd=ROOT, env={**env, "LINGOFLOW_CACHE": str(tmp_path / "cache2")}, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    report = json.loads(client.get_object("localized", "run1/report.json").read())
    for item in report["items"]:
        assert item["stages"]["transcribe"]["cached"] and item["stages"]["translate.pt"]["cached"], item["stages"]


BLOCK_SCRIPT = """
import sys
from prefect_aws import MinIOCredentials
from prefect_aws.client_parameters import AwsClientParameters
MinIOCredentials(minio_root_user=sys.argv[2], minio_root_password=sys.argv[3],
                 aws_client_parameters=AwsClientParameters(endpoint_url=sys.argv[1])).save("lingoflow-test-minio", overwrite=True)
"""

USE_SCRIPT = """
from lingoflow.flows.s3 import s3_config
from lingoflow.store.storage import S3Store
config = s3_config(["s3://blocks/x"])
print(repr(config))
print(sorted(o.key for o in S3Store("s3://blocks/x", config).list()))
"""


def test_credentials_from_a_minio_credentials_block(nanio, prefect_api):
    client = minio_client(nanio)
    client.make_bucket("blocks")
    client.put_object("blocks", "x/hello.wav", __import__("io").BytesIO(b"RIFF"), 4)
    clean = {k: v for k, v in __import__("os").environ.items() if not k.startswith("LINGOFLOW_S3_")}
    env = {**clean, "PREFECT_API_URL": prefect_api}
    subprocess.run([sys.executable, "-c", BLOCK_SCRIPT, f"http://{nanio['LINGOFLOW_S3_ENDPOINT']}",
                    nanio["LINGOFLOW_S3_ACCESS_KEY"], nanio["LINGOFLOW_S3_SECRET_KEY"]], env=env, cwd=ROOT, check=True, capture_output=True)
    used = subprocess.run([sys.executable, "-c", USE_SCRIPT], env={**env, "LINGOFLOW_S3_BLOCK": "lingoflow-test-minio"},
                          cwd=ROOT, capture_output=True, text=True)
    assert used.returncode == 0, used.stderr[-2000:]
    assert "hello.wav" in used.stdout and nanio["LINGOFLOW_S3_SECRET_KEY"] not in used.stdout
    missing = subprocess.run([sys.executable, "-c", USE_SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode != 0 and "LINGOFLOW_S3_ENDPOINT" in missing.stderr
