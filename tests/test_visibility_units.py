"""The pieces of a library run's artifacts and events (issue 20) that need no Prefect server:
artifact keys, table rows, the markdown summary, file:// links, event resources and payloads,
the automations file and the notification URL check."""
from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest

from lingoflow.errors import ConfigError
from lingoflow.flows import artifacts, events, notify
from lingoflow.mt.constrained import GlossaryAdherence
from lingoflow.report import ItemReport, RunReport, SpeakerReport, StageReport

KEY = re.compile(r"^[a-z0-9-]+$")


def _reports() -> list[ItemReport]:
    ok = ItemReport("Lesson 1 · Welcome", "/lib/Lesson 1.mp4", language="en", targets=["pt", "es"], audio_seconds=12.5,
                    stages={"ingest": StageReport(0.5, True), "transcribe": StageReport(2.0, False), "mux": StageReport(0.5, False)},
                    outputs=["lesson-1/transcript.json", "lesson-1/lesson-1.localized.mka"], speakers=[SpeakerReport("S1"), SpeakerReport("S2")],
                    glossary={"pt": GlossaryAdherence(4, 3), "es": GlossaryAdherence(2, 2)})
    cached = ItemReport("b", "/lib/b.wav", language="en", audio_seconds=3.0, stages={"ingest": StageReport(0.01, True), "mux": StageReport(0.01, True)},
                        outputs=["b/b.localized.mka"])
    bad = ItemReport("c_*bad*", "/lib/c.wav", status="failed", error="/lib/c.wav: ffmpeg could not read it as media `x` [link](http://e)")
    return [ok, cached, bad]


@pytest.mark.parametrize("deployment,out", [("library-on-demand", "/x/out"), ("Course Library: Nightly!", "s3://b/p"), (None, "/x/Ünï côdé out/"),
                                            (None, "s3://bucket/prefix/run"), (None, "/")])
def test_artifact_keys_are_lowercase_letters_digits_dashes_and_stable(deployment, out):
    key = artifacts.key_prefix(deployment, out)
    assert KEY.match(key) and KEY.match(f"{key}-files") and len(key) <= 80
    assert key == artifacts.key_prefix(deployment, out)  # a nightly run finds last night's history
    if deployment is None:
        assert artifacts.key_prefix(None, out + "-other") != key


def test_table_has_one_row_per_file_with_its_figures():
    rows = artifacts.table_rows(_reports())
    assert [r["item"] for r in rows] == ["Lesson 1 · Welcome", "b", "c_*bad*"]
    ok, cached, bad = rows
    assert ok["targets"] == "pt, es" and ok["audio (s)"] == 12.5 and ok["real-time factor"] == 4.17 and ok["speakers"] == 2
    assert ok["glossary honored"] == "es 2/2, pt 3/4" and ok["cached or run"] == "run (1 of 3 stages cached)"
    assert cached["cached or run"] == "cached" and cached["glossary honored"] == "-"
    assert bad["status"] == "failed" and "could not read it as media" in bad["error"] and bad["real-time factor"] is None
    assert list(ok)[-1] == "error"


def test_summary_counts_and_names_each_failure_without_markup_from_names():
    report = RunReport.of(_reports(), wall_seconds=10.0).to_dict()
    text = artifacts.summary_markdown(report, "/x/out", "file:///x/out/report.html")
    assert text.startswith("# Library run: 3 file(s), 1 failed")
    assert "| 3 | 2 | 1 | 1 | 15.5 s | 10.0 s | 1.55x |" in text
    assert "[report.html](file:///x/out/report.html)" in text
    (line,) = [ln for ln in text.splitlines() if ln.startswith("- ")]
    assert line.startswith(r"- **c\_\*bad\***:") and r"\[link\](http://e)" in line and r"\`x\`" in line  # shown as typed, not as markup


def test_local_links_are_file_uris_that_reach_the_outputs(tmp_path):
    out = tmp_path / "my out"
    (out / "b").mkdir(parents=True)
    (out / "b" / "b.localized.mka").write_bytes(b"\x1a\x45\xdf\xa3rest")
    linker = artifacts.Linker(str(out))
    url = linker.url(artifacts.main_output(_reports()[1]))
    assert url.startswith("file://") and "%20" in url
    with urllib.request.urlopen(url) as resp:
        assert resp.read(4) == b"\x1a\x45\xdf\xa3"


@pytest.mark.parametrize("value,ok", [("24", True), ("1", True), ("168", True), ("0", False), ("169", False), ("soon", False)])
def test_link_lifetime_is_bounded(monkeypatch, value, ok):
    monkeypatch.setenv("LINGOFLOW_LINK_HOURS", value)
    if ok:
        assert artifacts.link_hours() == int(value)
    else:
        with pytest.raises(ConfigError, match="LINGOFLOW_LINK_HOURS"):
            artifacts.link_hours()


def test_events_label_the_library_and_carry_the_figures():
    ok, cached, bad = _reports()
    related = [{"prefect.resource.id": "prefect.flow-run.1", "prefect.resource.role": "flow-run", "prefect.resource.name": "r"}]
    done = events.file_event(ok, ["/lib"], "s3://b/out", related)
    failed = events.file_event(bad, ["/lib"], "s3://b/out", related)
    assert done["event"] == "lingoflow.file.completed" and failed["event"] == "lingoflow.file.failed"
    assert done["resource"]["prefect.resource.id"].startswith("lingoflow.file.lib-") and done["resource"]["prefect.resource.name"] == ok.item
    assert done["resource"]["prefect.resource.id"] != failed["resource"]["prefect.resource.id"]
    lib = next(r for r in done["related"] if r["prefect.resource.role"] == "library")
    assert lib["prefect.resource.id"] == events.library_resource(["/lib"], "s3://b/out")["prefect.resource.id"] and related[0] in done["related"]
    assert done["payload"]["out"] == "s3://b/out/Lesson 1 · Welcome" and done["payload"]["figures"]["realtime_factor"] == 4.167
    assert events.file_event(cached, ["/lib"], "/o", [])["payload"]["figures"]["cached"] is True
    assert failed["payload"]["error"] == bad.error

    report = RunReport.of([ok, cached, bad], 10.0).to_dict()
    lib_event = events.library_event(report, ["/lib"], "s3://b/out", related, {"report": "https://x"})
    assert lib_event["resource"]["lingoflow.status"] == "failed" and lib_event["payload"]["failed"] == 1
    assert lib_event["payload"]["failures"] == [{"item": bad.item, "source": bad.source, "error": bad.error}]
    assert events.library_event(RunReport.of([ok], 1.0).to_dict(), ["/lib"], "/o", [])["resource"]["lingoflow.status"] == "ok"
    assert events.library_id(["/lib"]) != events.library_id(["/lib2"]) and events.library_id(["s3://b/lib"]).startswith("lib-")


def test_the_automations_file_validates_with_the_block_filled_in():
    from prefect.automations import Automation

    specs = notify.automation_specs("6e8d2f4e-0000-4000-8000-000000000001")
    autos = [Automation.model_validate(s) for s in specs]
    assert {a.name for a in autos} == {"lingoflow-library-failed-files", "lingoflow-library-run-crashed"}
    assert all(str(a.actions[0].block_document_id) == "6e8d2f4e-0000-4000-8000-000000000001" for a in autos)
    failed_files = next(a for a in autos if a.name == "lingoflow-library-failed-files")
    assert failed_files.trigger.expect == {"lingoflow.library.completed"} and failed_files.trigger.match.root["lingoflow.status"] == "failed"
    assert notify.PLACEHOLDER in Path(notify.bundled("deployments", "automations.yaml")).read_text()


@pytest.mark.parametrize("url", ["", "hooks.example.com/x", "ftp://h/x", "http:///nohost", "file:///etc/passwd"])
def test_notify_needs_an_http_url(url):
    with pytest.raises(ConfigError, match="--notify"):
        notify.check_url(url)
