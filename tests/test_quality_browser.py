"""The input-quality warnings on the library and file review pages, and the evaluation page, in a
real headless browser (Debian chromium via Playwright, from file://). Screenshots: test-artifacts/."""
from __future__ import annotations

import importlib.util
import json
import shutil

import pytest

from .conftest import require, run_cli

require(importlib.util.find_spec("playwright") is not None, "python playwright is not installed (make setup installs it)", allow_module_level=True)
from .test_review_browser import ARTIFACTS, CHROMIUM, Page, browser  # noqa: E402,F401  (the fixture and page helper)

require(CHROMIUM.exists(), "Debian chromium is not installed at /usr/bin/chromium (make test installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def out(eval_dir, tmp_path_factory):
    """A clean recording and a telephone-band copy of it, localized, then evaluated into the same OUT."""
    from bench.eval import manifest
    from bench.input_quality import degrade

    lib, refs = tmp_path_factory.mktemp("quality-lib"), tmp_path_factory.mktemp("quality-refs")
    jfk = eval_dir / "asr" / "en_jfk.flac"
    shutil.copy(jfk, lib / "en_jfk.flac")
    degrade(jfk, "narrowband", lib / "en_jfk-phone.wav")
    text = next(r["reference_transcript"] for r in manifest() if r["file"] == "en_jfk.flac")
    for stem in ("en_jfk", "en_jfk-phone"):
        (refs / f"{stem}.txt").write_text(text + "\n")
    out = tmp_path_factory.mktemp("quality-out")
    proc = run_cli("localize", str(lib), "--out", str(out), "--asr-model", "tiny.en", "--quiet")
    assert proc.returncode == 0, proc.stderr[-3000:]
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    proc = run_cli("evaluate", str(lib), "--references", str(refs), "--out", str(out), "--asr-model", "tiny.en")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert all(p.read_bytes() == data for p, data in before.items())  # evaluation never changes localize outputs
    return out


def test_library_and_file_pages_show_the_warnings(out, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    report = {i["item"]: i for i in json.loads((out / "report.json").read_text())["items"]}
    assert [w["name"] for w in report["en_jfk-phone"]["input_quality"]["warnings"]] == ["narrowband"]
    assert report["en_jfk"]["input_quality"]["warnings"] == []
    with Page(browser) as page:
        page.goto((out / "report.html").as_uri())
        phone = page.locator('#library tbody tr[data-item="en_jfk-phone"] td.input-quality')
        assert "narrowband: speech stops at 4." in phone.inner_text() and phone.locator(".input-warning").is_visible()
        assert page.locator('#library tbody tr[data-item="en_jfk"] .input-warning').count() == 0
        page.click("#library th:has-text('Input')")  # ascending: the poorest input first
        poorest = min(report, key=lambda k: report[k]["input_quality"]["score"])
        assert page.locator("#library tbody tr").first.get_attribute("data-item") == poorest
        page.click("#library th:has-text('Input')")
        assert page.locator("#library tbody tr").last.get_attribute("data-item") == poorest
        page.screenshot(path=str(ARTIFACTS / "report-input-quality.png"), full_page=True)
    with Page(browser) as page:
        page.goto((out / "en_jfk-phone" / "review.html").as_uri())
        warning = page.locator("#input-warnings li")
        assert warning.count() == 1 and warning.first.is_visible() and "narrowband" in warning.first.inner_text()
        page.screenshot(path=str(ARTIFACTS / "file-page-input-quality.png"), full_page=True)


def test_evaluation_page_lists_files_worst_first_linked_to_review(out, browser):
    data = json.loads((out / "evaluation.json").read_text())
    assert [f["key"] for f in data["files"]] == sorted((f["key"] for f in data["files"]), key=lambda k: -next(
        x["text"]["wer"] for x in data["files"] if x["key"] == k)) and len(data["files"]) == 2
    with Page(browser) as page:
        page.goto((out / "evaluation.html").as_uri())
        rows = page.locator("#files tbody tr")
        assert [r.get_attribute("data-file") for r in rows.all()] == [f["key"] for f in data["files"]]
        for f in data["files"]:
            assert f"{100 * f['text']['wer']:.1f} %" in page.locator(f'#files tr[data-file="{f["key"]}"]').inner_text()
        page.screenshot(path=str(ARTIFACTS / "evaluation.png"), full_page=True)
        page.click("#files a:has-text('en_jfk-phone')")
        page.wait_for_url("**/en_jfk-phone/review.html")
