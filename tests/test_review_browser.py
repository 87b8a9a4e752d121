"""The review pages in a real headless browser (Debian chromium driven by Playwright), from file://.

Screenshots of the library page and of file pages go to test-artifacts/ (git-ignored; CI keeps them).
"""
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, require, run_cli

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"

require(importlib.util.find_spec("playwright") is not None, "python playwright is not installed (make setup installs it)", allow_module_level=True)
require(CHROMIUM.exists(), "Debian chromium is not installed at /usr/bin/chromium (make test installs it)", allow_module_level=True)
from playwright import sync_api  # noqa: E402  (after the check: a clear message, not an ImportError)


@pytest.fixture(scope="module")
def out(sample_library, tmp_path_factory):
    lib = tmp_path_factory.mktemp("review-lib")
    for name in ("lesson-1-welcome.mp4", "lesson-3-dialogue.wav"):
        shutil.copy(sample_library / name, lib / name)
    (lib / "broken.mp3").write_bytes(b"ID3" + b"\x00garbage" * 500)
    out = tmp_path_factory.mktemp("review-out")
    proc = run_cli("localize", str(lib), "--to", "pt", "--out", str(out), "--asr-model", "tiny.en", "--quiet")
    assert proc.returncode == 1, proc.stderr  # broken.mp3 fails, the others complete
    return out


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Page:
    """A fresh page that records console errors, uncaught exceptions and every URL requested."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors, self.urls = [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.urls.append(r.url))

    def __enter__(self):
        return self.page

    def __exit__(self, *exc):
        self.page.close()
        if exc[0] is None:
            assert self.errors == [], self.errors
            assert self.urls and all(u.startswith("file://") for u in self.urls), [u for u in self.urls if not u.startswith("file://")]


def test_report_html_written_and_library_page_shows_every_file(out, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    report = json.loads((out / "report.json").read_text())
    with Page(browser) as page:
        page.goto((out / "report.html").as_uri())
        rows = page.locator("#library tbody tr")
        assert rows.count() == len(report["items"]) == 3
        for entry in report["items"]:
            row = page.locator(f'#library tbody tr[data-item="{entry["item"]}"]')
            assert row.is_visible() and row.get_attribute("data-status") == entry["status"]
        failed = page.locator('#library tbody tr[data-item="broken"]')
        assert "broken.mp3" in failed.locator("td.error").inner_text()
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        page.click("[data-filter=failed]")
        assert [r.get_attribute("data-item") for r in rows.all() if r.is_visible()] == ["broken"]
        page.click("[data-filter=all]")
        page.click("#library th:has-text('Duration')")  # ascending: the failed file (0 s) first
        assert rows.first.get_attribute("data-item") == "broken"
        page.click("#library th:has-text('Duration')")
        assert rows.first.get_attribute("data-item") == "lesson-3-dialogue"  # 14 s, the longest
        page.click("text=lesson-1-welcome")
        page.wait_for_url("**/lesson-1-welcome/review.html")


def _state(page):
    return page.evaluate("""() => { const r = window.lingoflowReview, m = r.media, d = r.dubs.pt;
        return {t: m.currentTime, paused: m.paused, muted: m.muted, ready: m.readyState, src: m.currentSrc, duration: m.duration,
                track: document.body.dataset.track, dubT: d.currentTime, dubPaused: d.paused, dubSrc: d.currentSrc,
                current: [...document.querySelectorAll('#transcript tr.current')].map(e => Number(e.dataset.id)),
                caption: document.getElementById('caption-line').textContent,
                showing: [...m.textTracks].filter(t => t.mode !== 'disabled').map(t => t.language)}; }""")


def test_file_page_plays_switches_to_the_dub_and_seeks(out, browser):
    segments = json.loads((out / "lesson-1-welcome" / "transcript.json").read_text())["segments"]
    assert len(segments) >= 2
    with Page(browser) as page:
        page.goto((out / "lesson-1-welcome" / "review.html").as_uri())
        page.wait_for_function("document.getElementById('media').readyState >= 1")
        s = _state(page)
        assert s["src"].endswith("lesson-1-welcome.localized.mp4") and s["duration"] > 9 and s["track"] == "original"
        assert page.locator("#transcript tr.segment").count() == len(segments)
        assert page.locator("svg#timeline rect.speech").count() == len(segments)
        # one dubbed line a line of dub.pt.fit.json (a phrase split over two segments of one speaker is one line)
        fit = json.loads((out / "lesson-1-welcome" / "dub.pt.fit.json").read_text())
        joined = sum(len(line.get("joined") or []) for line in fit["segments"])
        assert page.locator("svg#timeline rect[class^=dub-]").count() == len(fit["segments"]) == len(segments) - joined
        # clicking a transcript segment seeks there and plays
        seg = segments[1]
        page.click(f"#seg-{seg['id']}")
        page.wait_for_function("!document.getElementById('media').paused")
        page.wait_for_timeout(400)
        s = _state(page)
        assert seg["start"] <= s["t"] < seg["start"] + 1.5 and not s["paused"]
        assert s["current"] == [seg["id"]] and s["showing"] == ["en"]
        # switching to the Portuguese dub: the original is muted and the dub plays in step with it
        page.check("input[name=track][value=pt]")
        page.wait_for_timeout(600)
        s = _state(page)
        assert s["track"] == "pt" and s["muted"] and not s["dubPaused"] and s["dubSrc"].endswith("/dub.pt.wav")
        assert abs(s["dubT"] - s["t"]) < 0.4 and s["dubT"] > seg["start"]
        first = s["dubT"]
        page.wait_for_timeout(500)
        assert _state(page)["dubT"] > first  # the dub is really playing
        page.check("input[name=captions][value=pt]")
        assert _state(page)["showing"] == ["pt"]
        page.screenshot(path=str(ARTIFACTS / "file-page.png"), full_page=True)
        # clicking the first segment on the timeline seeks both the media and the dub
        page.click("svg#timeline rect.speech >> nth=0")
        page.wait_for_timeout(400)
        s = _state(page)
        assert s["t"] < segments[0]["start"] + 1.2 and abs(s["dubT"] - s["t"]) < 0.4
        # and back to the original sound
        page.check("input[name=track][value='']")
        s = _state(page)
        assert s["track"] == "original" and not s["muted"] and s["dubPaused"]


def test_audio_only_file_page_plays_and_shows_captions(out, browser):
    segments = json.loads((out / "lesson-3-dialogue" / "transcript.json").read_text())["segments"]
    with Page(browser) as page:
        page.goto((out / "lesson-3-dialogue" / "review.html").as_uri())
        page.wait_for_function("document.getElementById('media').readyState >= 1")
        assert _state(page)["src"].endswith("lesson-3-dialogue.localized.mka")
        last = segments[-1]
        page.click(f"#seg-{last['id']}")
        page.wait_for_timeout(700)
        s = _state(page)
        assert last["start"] <= s["t"] <= last["end"] and not s["paused"] and s["current"] == [last["id"]]
        words = last["text"].split()
        assert s["caption"] and s["caption"].split()[0] in words  # the caption line under an audio-only player
        page.screenshot(path=str(ARTIFACTS / "file-page-audio.png"), full_page=True)
