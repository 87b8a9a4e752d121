"""Files in flight (`--jobs`): a library's file runs overlap, its speech recognitions take turns
at the cores, and `--jobs 1` runs one file after another. Read back from the record of the runs
kept by the API the CLI runs against by default: the embedded Prefect server (flows/tuning/embedded.py)."""
from __future__ import annotations

import time
from datetime import datetime

import pytest

from lingoflow.runtime import parallel
from lingoflow.config import LocalizeOptions

from .ops_fixtures import api_post


@pytest.fixture(scope="module")
def embedded_api():
    """The CLI's embedded Prefect API (Prefect's server app behind flows/tuning/serverapp.py)."""
    from lingoflow.flows.tuning import embedded

    embedded.start_in_background()
    try:
        with embedded.api():  # waits until it answers
            yield embedded.url()
    finally:
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=10)  # the runs' last logs and events reach it before it stops
        EventsWorker.drain_all(timeout=10)
        embedded.stop()

CLIPS = ["asr/en_jfk.flac", "asr/en_fw_stereo_diarization.wav", "asr/en_ljspeech_LJ002-0020.wav"]


def _spans(runs: list[dict]) -> list[tuple[datetime, datetime]]:
    return sorted((datetime.fromisoformat(r["start_time"]), datetime.fromisoformat(r["end_time"])) for r in runs)


def _most_at_once(spans: list[tuple[datetime, datetime]]) -> int:
    edges = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans], key=lambda e: (e[0], e[1]))
    most = now = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


def _localize(eval_dir, tmp_path, monkeypatch, api: str, jobs: int) -> tuple[list[dict], list[dict]]:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from lingoflow.flows.localize import localize_library

    lib = tmp_path / "lib"
    lib.mkdir()
    for name in CLIPS:
        (lib / name.split("/")[-1]).symlink_to(eval_dir / name)
    monkeypatch.setenv("LINGOFLOW_CACHE", str(tmp_path / "cache"))  # nothing reused: every stage runs
    options = LocalizeOptions(targets=["pt"], source_language="en", asr_model="tiny.en", diarize_engine="none", jobs=jobs)
    with temporary_settings({PREFECT_API_URL: api}):
        report = localize_library([str(lib)], str(tmp_path / "out"), options)
    assert [i["status"] for i in report["items"]] == ["ok"] * 3, [i["error"] for i in report["items"]]
    files = api_post(api, "/flow_runs/filter", {"flow_runs": {"name": {"any_": [i["item"] for i in report["items"]]}},
                                                "flows": {"name": {"any_": ["localize-file"]}}, "sort": "START_TIME_DESC", "limit": 3})
    deadline = time.monotonic() + 15  # the server records task runs from their events, in batches a second apart
    while True:
        asr = api_post(api, "/task_runs/filter", {"flow_runs": {"id": {"any_": [f["id"] for f in files]}}, "task_runs": {"name": {"like_": "transcribe-"}}})
        if (len(asr) == 3 and all(r["end_time"] for r in asr)) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(files) == 3 and len(asr) == 3
    return files, asr


def test_two_jobs_overlap_files_while_speech_recognition_takes_turns(eval_dir, tmp_path, monkeypatch, embedded_api):
    files, asr = _localize(eval_dir, tmp_path, monkeypatch, embedded_api, jobs=2)
    assert _most_at_once(_spans(files)) == 2  # two files in flight, never three
    assert _most_at_once(_spans(asr)) <= parallel.asr_slots(2)
    assert all(f["parent_task_run_id"] for f in files)  # each still a subflow of the library run (the UI's tree)


def test_one_job_runs_one_file_after_another(eval_dir, tmp_path, monkeypatch, embedded_api):
    files, _ = _localize(eval_dir, tmp_path, monkeypatch, embedded_api, jobs=1)
    assert _most_at_once(_spans(files)) == 1


@pytest.mark.parametrize("cores, jobs, slots, threads", [(2, 2, 1, 2), (1, 2, 1, 1), (8, 4, 4, 2), (16, 8, 8, 2)])
def test_cores_are_shared_between_files_in_flight(monkeypatch, cores, jobs, slots, threads):
    monkeypatch.setattr(parallel, "cores", lambda: cores)
    assert parallel.default_jobs() == min(max(2, cores), parallel.MAX_JOBS)
    assert (parallel.asr_slots(jobs), parallel.asr_threads(jobs)) == (slots, threads)


@pytest.mark.parametrize("cores, jobs, side", [(2, 2, 1), (2, 1, 2), (1, 2, 1), (8, 4, 2)])
def test_the_diarizer_networks_get_the_cores_the_files_in_flight_share(monkeypatch, cores, jobs, side):
    """Two files on 2 cores: one thread for the diarizer's networks, beside the other file's ASR;
    the segmentation session is built with that many threads (asked of onnxruntime itself)."""
    from lingoflow.speakers.diarize.weights import segmentation_model

    monkeypatch.setattr(parallel, "cores", lambda: cores)
    monkeypatch.setattr(parallel, "_jobs", jobs)
    assert parallel.side_threads() == side
    assert segmentation_model().get_session_options().intra_op_num_threads == side
