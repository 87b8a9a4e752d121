"""Incremental runs through the real CLI, Prefect server, models and ffmpeg: what re-runs when.

One library of three 2-4 s clips, run again and again against one cache (in this order)."""
import json
import shutil

import pytest

from .ops_fixtures import api_post, cli, clips, library, prefect_api, stages_of  # noqa: F401 (fixtures)

MODEL_STAGES = ("transcribe", "translate", "synthesize")


@pytest.fixture(scope="module")
def setup(clips, prefect_api, tmp_path_factory):
    base = tmp_path_factory.mktemp("caching")
    lib = library(clips, base / "lib", ["a-rivers", "b-valley", "c-review"])
    env = {"LINGOFLOW_CACHE": str(base / "cache"), "PREFECT_API_URL": prefect_api}
    return lib, base / "out", env, prefect_api


def localize(setup, *extra):
    lib, out, env, _ = setup
    proc = cli("localize", str(lib), "--to", "pt", "--out", str(out), "--asr-model", "tiny.en", "--diarize-engine", "none", "--quiet", *extra, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / "report.json").read_text())


def task_runs(api: str, name: str) -> int:
    return api_post(api, "/task_runs/count", {"task_runs": {"name": {"like_": name}}})


@pytest.fixture(scope="module")
def first(setup):
    return localize(setup)


def test_first_run_runs_every_stage(first):
    for item, stages in stages_of(first).items():
        assert set(stages) >= {"ingest", "transcribe", "captions.en", "translate.pt", "captions.pt", "synthesize.pt", "mux"}
        assert not any(stages.values()), (item, stages)


def test_unchanged_rerun_runs_no_model_stage(setup, first):
    api = setup[3]
    before = {name: task_runs(api, name) for name in MODEL_STAGES}
    assert all(before.values()), before  # the first run's model tasks are on the server
    again = localize(setup)
    for item, stages in stages_of(again).items():
        assert all(stages.values()), (item, stages)
    assert {name: task_runs(api, name) for name in MODEL_STAGES} == before  # no model task ran
    out = setup[1]
    for item in stages_of(again):
        assert (out / item / "dub.pt.wav").is_file() and (out / item / "transcript.pt.json").is_file()


def test_all_cached_library_is_answered_without_loading_the_speech_model(setup, first, monkeypatch):
    # the CLI's fast path, in this process: a speech model load (0.3-1 s) would be most of its time
    from lingoflow.flows.filerun import cached_library
    from lingoflow.asr import faster_whisper
    from lingoflow.config import LocalizeOptions

    lib, out, env, _ = setup
    loads = []
    monkeypatch.setattr(faster_whisper, "load_model", lambda *a, **k: loads.append(a))
    monkeypatch.setenv("LINGOFLOW_CACHE", env["LINGOFLOW_CACHE"])
    options = LocalizeOptions(targets=["pt"], asr_model="tiny.en", diarize_engine="none")
    report = cached_library([str(lib)], str(out), options)
    assert report is not None and report["failed"] == 0 and len(report["items"]) == 3
    assert loads == []
    dub = out / "c-review" / "dub.pt.wav"
    dub.rename(dub.with_name("moved"))  # one file must run again: now the model is checked first
    try:
        assert cached_library([str(lib)], str(out), options) is None
    finally:
        dub.with_name("moved").rename(dub)
    assert loads


def test_new_language_runs_only_its_stages(setup, first):
    report = localize(setup, "--to", "en")
    for item, stages in stages_of(report).items():
        assert stages["transcribe"] and stages["translate.pt"] and stages["synthesize.pt"] and stages["captions.pt"], (item, stages)
        assert not stages["synthesize.en"] and not stages["mux"], (item, stages)  # the new track, and the container holding it


def test_refresh_forces_a_stage(setup, first):
    report = localize(setup, "--refresh", "captions")
    for item, stages in stages_of(report).items():
        assert not stages["captions.en"] and not stages["captions.pt"] and stages["transcribe"], (item, stages)


def test_renamed_file_is_not_retranscribed(setup, first):
    lib = setup[0]
    src = next(lib.glob("a-rivers.*"))
    shutil.move(src, lib / f"renamed{src.suffix}")
    report = localize(setup)
    stages = stages_of(report)["renamed"]
    assert stages["transcribe"] and stages["translate.pt"], stages
    transcript = json.loads((setup[1] / "renamed" / "transcript.json").read_text())
    assert transcript["source"]["uri"].endswith(f"renamed{src.suffix}")  # points at the file as named now


def test_bad_refresh_name_is_a_usage_error(setup):
    lib, out, env, _ = setup
    proc = cli("localize", str(lib), "--out", str(out), "--refresh", "transcription", env=env)
    assert proc.returncode == 2 and "not a stage" in proc.stderr


def test_changed_glossary_reruns_translation_onward_only(setup, first, tmp_path):  # last: it changes the dubs in OUT
    glossary = tmp_path / "course.yaml"
    glossary.write_text("source_language: en\nterms:\n  sea: {pt: oceano}\n  lesson: {pt: aula}\n")
    localize(setup, "--glossary", str(glossary))  # a glossary's terms are ASR hotwords: this run may transcribe
    glossary.write_text("source_language: en\nterms:\n  sea: {pt: mar aberto}\n  lesson: {pt: lição}\n")
    report = localize(setup, "--glossary", str(glossary))
    for item, stages in stages_of(report).items():
        assert stages["ingest"] and stages["transcribe"] and stages["diarize"] and stages["captions.en"], (item, stages)
        assert not stages["translate.pt"], (item, stages)
    texts = " ".join(seg["text"] for item in stages_of(report)
                     for seg in json.loads((setup[1] / item / "transcript.pt.json").read_text())["segments"]).lower()
    assert "mar aberto" in texts and "lição" in texts and "oceano" not in texts
