"""The Prefect tuning (flows/tuning/) rests on Prefect 3.8 internals: these fail loudly when an
upgrade moves them, and a run with the tuning off goes Prefect's own way and still works."""
from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import prefect

from lingoflow.flows import tuning
from lingoflow.flows.tuning import embedded

from .conftest import ROOT


def test_prefect_is_the_minor_version_the_tuning_was_written_for():
    assert prefect.__version__.startswith(tuning.PREFECT_MINOR + "."), (
        f"Prefect {prefect.__version__}: flows/tuning/ relies on {tuning.PREFECT_MINOR}'s internals; "
        "re-check each piece (and its bench figure) before moving the pin")


def test_the_internals_each_piece_uses_are_there():
    from prefect.server.api.server import SubprocessASGIServer, create_app
    from prefect.server.database.configurations import AioSqliteConfiguration
    from prefect.settings import PREFECT_CLIENT_CSRF_SUPPORT_ENABLED, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, Settings

    # embedded.py starts the server the way SubprocessASGIServer does, with its private variables
    source = inspect.getsource(SubprocessASGIServer)
    assert '"PREFECT__SERVER_EPHEMERAL"' in source and "uvicorn" in source
    assert callable(create_app) and PREFECT_CLIENT_CSRF_SUPPORT_ENABLED and PREFECT_FLOWS_HEARTBEAT_FREQUENCY
    # serverapp.py wraps AioSqliteConfiguration.setup_sqlite(self, conn, record)
    assert list(inspect.signature(AioSqliteConfiguration.setup_sqlite).parameters)[:3] == ["self", "conn", "record"]
    # the recorder batching settings embedded.py sets are real settings (names and meaning)
    recorder = Settings().server.services.task_run_recorder
    assert {"batch_size", "flush_interval"} <= set(type(recorder).model_fields)
    for name in embedded.RECORDER_BATCHING:
        assert name.startswith("PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_")
        field = name.removeprefix("PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_").lower()
        assert field in type(recorder).model_fields, name
    # file_subflow: Flow.with_options(validate_parameters=...)
    assert "validate_parameters" in inspect.signature(prefect.Flow.with_options).parameters


def test_a_run_with_the_tuning_off_goes_prefects_way_and_completes(eval_dir, tmp_path):
    """No embedded API of lingoflow's: Prefect's own ephemeral server, static tags, validated
    file subflows; the outputs are the same files."""
    out = tmp_path / "out"
    env = {**os.environ, tuning.SWITCH: "off", "PREFECT_HOME": str(tmp_path / "prefect-home"),
           "LINGOFLOW_CACHE": str(tmp_path / "cache")}
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.run([sys.executable, "-m", "lingoflow.flows.cli", "localize", str(eval_dir / "asr" / "en_ljspeech_LJ002-0020.wav"),
                           "--out", str(out), "--asr-model", "tiny.en", "--diarize-engine", "none", "--quiet"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["items"][0]["status"] == "ok"
    folder = out / report["items"][0]["item"]
    assert (folder / "transcript.json").is_file() and (folder / "captions.en.srt").stat().st_size > 0
    # lingoflow's own API was never started: no record of it in this PREFECT_HOME
    assert not (Path(env["PREFECT_HOME"]) / "lingoflow-api.json").exists()


def test_each_piece_can_be_left_out_alone(monkeypatch):
    """How bench/prefect_tuning.py measures each piece: LINGOFLOW_PREFECT_TUNING=-piece,..."""
    from lingoflow.flows import tuning

    monkeypatch.setenv(tuning.SWITCH, "-limits,-recorder")
    assert tuning.enabled() and tuning.enabled("api") and tuning.enabled("subflows") and tuning.enabled("server")
    assert not tuning.enabled("limits") and not tuning.enabled("recorder")
    assert tuning.limited_tags() is None  # Prefect's way: every limitable stage task carries its tag
    monkeypatch.setenv(tuning.SWITCH, "-api")
    assert not tuning.enabled("server") and not tuning.enabled("recorder")  # they live in the API lingoflow starts
    monkeypatch.setenv(tuning.SWITCH, "off")
    assert not any(tuning.enabled(p) for p in tuning.PIECES) and not tuning.enabled()
