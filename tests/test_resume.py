"""SIGKILL during the transcription of the second of three files, then run again."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .ops_fixtures import ROOT, api_post, clips, library, prefect_api, stages_of  # noqa: F401 (fixtures)


def _long_clip(folder: Path) -> Path:
    """~12 s of speech: transcription takes long enough to be caught in the middle."""
    from lingoflow.samples import LESSONS, VOICE_A, make_media, speak

    with tempfile.TemporaryDirectory() as tmp:
        return make_media(speak(LESSONS["lesson-3-dialogue"], [VOICE_A], Path(tmp)), folder / "b-long.wav")


def _entries(cache: Path, stage: str) -> int:
    """Complete entries (an entry being written is a hidden temporary file until renamed)."""
    return len([p for p in (cache / "results" / stage).glob("*/*.json") if not p.name.startswith(".")])


def test_sigkill_during_second_transcription_then_resume(clips, prefect_api, tmp_path):
    lib = library(clips, tmp_path / "lib", ["a-rivers", "c-review"])
    _long_clip(lib)  # sorted: a-rivers, b-long, c-review
    cache, out = tmp_path / "cache", tmp_path / "out"
    env = {**os.environ, "LINGOFLOW_CACHE": str(cache), "PREFECT_API_URL": prefect_api}
    # one file after another (--jobs 1), so that the kill lands in file 2's transcription with file 1 done
    args = [sys.executable, "-m", "lingoflow.flows.cli", "localize", str(lib), "--to", "pt", "--out", str(out), "--asr-model", "tiny.en",
            "--diarize-engine", "none", "--quiet", "--jobs", "1"]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 300
        # file 1 finished (mux recorded) and file 2 ingested: its transcription is under way
        while not (_entries(cache, "mux") == 1 and _entries(cache, "ingest") == 2):
            assert proc.poll() is None and time.time() < deadline, "the run ended before file 2's transcription"
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert _entries(cache, "transcribe") == 1, "killed too late: file 2's transcription had finished"
    assert not (out / "report.json").exists()
    for path in out.rglob("*"):  # whatever is under a final name is whole
        if path.is_file() and not path.name.startswith("."):
            if path.suffix == ".json":
                json.loads(path.read_text())
            assert path.stat().st_size > 0

    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    stages = stages_of(report)
    assert set(stages) == {"a-rivers", "b-long", "c-review"}
    assert all(stages["a-rivers"].values()), stages["a-rivers"]  # nothing of file 1 ran again
    assert stages["b-long"]["ingest"] and not stages["b-long"]["transcribe"]
    assert not any(stages["c-review"].values())
    for item in stages:
        assert (out / item / "dub.pt.wav").is_file() and any((out / item).glob(f"{item}.localized.*"))
    assert not [p for p in out.rglob(".*.part*")], "no temporary file left behind"


def test_two_runs_of_one_library_at_once(clips, prefect_api, tmp_path):
    lib = library(clips, tmp_path / "lib", ["a-rivers", "b-valley"])
    cache, out = tmp_path / "cache", tmp_path / "out"
    env = {**os.environ, "LINGOFLOW_CACHE": str(cache), "PREFECT_API_URL": prefect_api}
    args = [sys.executable, "-m", "lingoflow.flows.cli", "localize", str(lib), "--out", str(out), "--asr-model", "tiny.en", "--diarize-engine", "none", "--quiet"]
    transcriptions = api_post(prefect_api, "/task_runs/count", {"task_runs": {"name": {"like_": "transcribe"}}})
    runs = [subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [p.communicate(timeout=600)[1] for p in runs]
    assert [p.returncode for p in runs] == [0, 0], errors
    # each file transcribed once between the two runs: the second waited for the first's result
    assert api_post(prefect_api, "/task_runs/count", {"task_runs": {"name": {"like_": "transcribe"}}}) == transcriptions + 2
    report = json.loads((out / "report.json").read_text())
    assert [i["status"] for i in report["items"]] == ["ok", "ok"]
    for item in ("a-rivers", "b-valley"):
        transcript = json.loads((out / item / "transcript.json").read_text())
        assert transcript["segments"] and (out / item / "captions.en.srt").read_text().strip()
        assert any((out / item).glob(f"{item}.localized.*"))
    assert not [p for p in out.rglob(".*.part*")]
