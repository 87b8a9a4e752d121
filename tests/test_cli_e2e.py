"""End to end through the real CLI, Prefect flow, models and ffmpeg."""
import json
import shutil
import wave

import pytest

from lingoflow.schema import TRANSCRIPT_SCHEMA

from .conftest import ffprobe_streams, run_cli

CONTRACT = ["transcript.json", "transcript.txt", "captions.en.srt", "captions.en.vtt", "transcript.pt.json",
            "transcript.pt.txt", "captions.pt.srt", "captions.pt.vtt", "dub.pt.wav"]


@pytest.fixture(scope="module")
def run(sample_library, tmp_path_factory):
    lib = tmp_path_factory.mktemp("lib")
    for name in ("lesson-1-welcome.mp4", "lesson-3-dialogue.wav"):
        shutil.copy(sample_library / name, lib / name)
    (lib / "broken.mp3").write_bytes(b"ID3" + b"\x00garbage" * 500)
    out = tmp_path_factory.mktemp("out")
    proc = run_cli("localize", str(lib), "--to", "pt", "--out", str(out), "--quiet")
    return proc, lib, out, json.loads((out / "report.json").read_text())


def test_exit_1_and_bad_file_reported_with_cause(run):
    proc, lib, out, report = run
    assert proc.returncode == 1, proc.stderr
    by_item = {i["item"]: i for i in report["items"]}
    assert by_item["broken"]["status"] == "failed"
    assert "broken.mp3" in by_item["broken"]["error"] and "media" in by_item["broken"]["error"]
    assert by_item["lesson-1-welcome"]["status"] == by_item["lesson-3-dialogue"]["status"] == "ok"
    assert report["schema"] == "lingoflow.report/1" and report["realtime_factor"] > 0
    assert not (out / "broken").exists() or not any((out / "broken").iterdir())


@pytest.mark.parametrize("item,container", [("lesson-1-welcome", "mp4"), ("lesson-3-dialogue", "mka")])
def test_contract_files_and_container(run, item, container):
    _, lib, out, report = run
    folder = out / item
    for name in CONTRACT:
        assert (folder / name).is_file(), name
    entry = next(i for i in report["items"] if i["item"] == item)
    assert entry["language"] == "en" and entry["targets"] == ["pt"] and entry["audio_seconds"] > 5
    assert {"ingest", "transcribe", "translate.pt", "synthesize.pt", "mux"} <= set(entry["stages"])
    transcript = json.loads((folder / "transcript.json").read_text())
    assert transcript["schema"] == TRANSCRIPT_SCHEMA and transcript["segments"]
    assert "course" in (folder / "transcript.txt").read_text().lower() or item != "lesson-1-welcome"
    translated = json.loads((folder / "transcript.pt.json").read_text())
    assert translated["language"] == "pt"
    assert [(s["start"], s["end"]) for s in translated["segments"]] == [(s["start"], s["end"]) for s in transcript["segments"]]
    src = next(lib.glob(f"{item}.*"))
    src_duration = float(json.loads(__import__("subprocess").run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", str(src)], capture_output=True).stdout)["format"]["duration"])
    with wave.open(str(folder / "dub.pt.wav")) as w:
        assert abs(w.getnframes() / w.getframerate() - src_duration) < 0.05
    streams = ffprobe_streams(folder / f"{item}.localized.{container}")
    audio = [s.get("tags", {}).get("language") for s in streams if s["codec_type"] == "audio"]
    subs = [s.get("tags", {}).get("language") for s in streams if s["codec_type"] == "subtitle"]
    assert audio == ["eng", "por"] and subs == ["eng", "por"]
    assert any(s["codec_type"] == "video" for s in streams) == (container == "mp4")


def test_usage_errors_exit_2_before_any_audio(tmp_path, sample_library):
    proc = run_cli("localize", str(sample_library), "--to", "xx", "--out", str(tmp_path / "o"), "--quiet")
    assert proc.returncode == 2 and "unknown language code" in proc.stderr
    proc = run_cli("localize", str(sample_library), "--to", "de", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "en->de" not in proc.stderr and "into 'de'" in proc.stderr
    assert not (tmp_path / "o").exists()
    proc = run_cli("localize", str(tmp_path / "missing"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "input not found" in proc.stderr


def test_report_has_speakers_profiles_and_fit(run):
    _, _, out, report = run
    entry = next(i for i in report["items"] if i["item"] == "lesson-3-dialogue")
    speakers = entry["speakers"]
    assert len(speakers) == 2 and len({s["profile"] for s in speakers}) == 2
    assert {s["pitch_range"] for s in speakers} == {"low", "high"}
    fit = entry["dub_fit"]["pt"]
    assert fit["max_speed"] <= 1.35 and fit["min_speed"] >= 0.9 and fit["background"].startswith("ducked")
    assert len(set(fit["voices"].values())) == 2
    labels = {s["speaker"] for s in json.loads((out / "lesson-3-dialogue" / "transcript.json").read_text())["segments"]}
    assert labels == {s["speaker"] for s in speakers}
