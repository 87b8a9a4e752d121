"""Stage keys, the result store and the stage runner, on tiny inputs."""
import os
import threading
import time

import pytest

from lingoflow.store.cache import ResultStore, settings_for, stage_key
from lingoflow.config import LocalizeOptions
from lingoflow.pipeline.runner import NeedsRun, StageRunner, check_refresh
from lingoflow.errors import ConfigError
from lingoflow.store.outroot import OutputRoot, sweep_partials
from lingoflow.report import ItemReport
from lingoflow.store.storage import LocalStore


def key(stage, **opts):
    return stage_key(stage, code="c", inputs={"x": 1}, options=LocalizeOptions(**opts), model="m")


def test_each_stage_keys_only_what_can_change_it():
    assert key("transcribe") == key("transcribe", targets=["pt"], mt_engine="bergamot", max_speed=1.2)
    assert key("transcribe") != key("transcribe", asr_model="tiny.en") != key("transcribe", beam_size=2)
    assert key("translate") == key("translate", asr_model="tiny.en", max_speed=1.2, targets=["pt", "en"])
    assert key("translate") != key("translate", mt_engine="bergamot")
    assert key("synthesize") != key("synthesize", max_speed=1.2)
    assert key("synthesize") == key("synthesize", mt_engine="bergamot")
    assert stage_key("mux", code="c", inputs={"x": 1}) != stage_key("mux", code="c2", inputs={"x": 1})


def test_a_new_option_joins_every_key_and_files_enter_by_content(tmp_path):
    class Extended(LocalizeOptions):
        novel_option: int = 1  # an option nobody listed: it must join every stage's key

    a, b, c = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    a.write_text("terms: [delta]\n")
    b.write_text("terms: [delta]\n")
    c.write_text("terms: [river]\n")
    for stage in ("transcribe", "translate", "synthesize"):
        assert settings_for(stage, Extended(novel_option=2)) != settings_for(stage, Extended())
    # glossaries (the files a run names) enter by their bytes, and only where they can matter
    assert settings_for("translate", Extended(glossaries=[str(a)])) == settings_for("translate", Extended(glossaries=[str(b)]))
    assert settings_for("translate", Extended(glossaries=[str(a)])) != settings_for("translate", Extended(glossaries=[str(c)]))
    assert settings_for("synthesize", Extended(glossaries=[str(a)])) == settings_for("synthesize", Extended(glossaries=[str(c)]))


def test_refresh_names_are_checked():
    assert check_refresh(["Transcribe", "all"]) == ["transcribe", "all"]
    with pytest.raises(ConfigError, match="not a stage"):
        check_refresh(["transcription"])


@pytest.fixture
def runner_parts(tmp_path, monkeypatch):
    monkeypatch.setenv("LINGOFLOW_CACHE", str(tmp_path / "cache"))
    root = OutputRoot(str(tmp_path / "out"))
    return ResultStore(LocalStore(tmp_path / "cache")), root


def _runner(parts, **kw):
    results, root = parts
    return StageRunner(ItemReport("item", "src"), results, root, **kw)


def test_runner_reuses_checks_outputs_and_refreshes(runner_parts):
    results, root = runner_parts
    calls = []

    def compute():
        calls.append(1)
        path = root.folder("item") / "out.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("result")
        return {"n": len(calls)}

    outputs = lambda v: [root.folder("item") / "out.txt"]
    r = _runner(runner_parts)
    assert r.run("s", "k1", compute, outputs=outputs) == {"n": 1} and not r.report.stages["s"].cached
    r = _runner(runner_parts)
    assert r.run("s", "k1", compute, outputs=outputs) == {"n": 1} and r.report.stages["s"].cached
    (root.folder("item") / "out.txt").write_text("edited")  # an output changed: not a hit
    assert _runner(runner_parts).run("s", "k1", compute, outputs=outputs) == {"n": 2}
    assert _runner(runner_parts, refresh=["s"]).run("s", "k1", compute, outputs=outputs) == {"n": 3}
    with pytest.raises(NeedsRun):
        _runner(runner_parts, dry=True).run("s", "other-key", compute)
    entry = results.get("s", "k1")
    path = results.store.path(results._key("s", "k1"))
    path.write_text("{damaged")
    assert results.get("s", "k1") is None and entry["value"] == {"n": 3}


def test_two_runs_of_one_key_compute_once(runner_parts):
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.3)
        return "v"

    threads = [threading.Thread(target=lambda: _runner(runner_parts).run("s", "same", compute)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1


def test_sweep_removes_only_old_partials(tmp_path):
    old, new, final = tmp_path / ".dub.pt.abc.part.wav", tmp_path / ".dub.pt.def.part.wav", tmp_path / "dub.pt.wav"
    for p in (old, new, final):
        p.write_bytes(b"x")
    os.utime(old, (time.time() - 7 * 3600,) * 2)
    assert sweep_partials(tmp_path) == 1
    assert not old.exists() and new.exists() and final.exists()
