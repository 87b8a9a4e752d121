"""The static review pages rendered from a report and item folders (no browser: see test_review_browser)."""
import json
import re
from html.parser import HTMLParser

import pytest

from lingoflow.captions import cues as captions
from lingoflow.dub import fit as dubfit
from lingoflow.dub.track import FitStats, Placement
from lingoflow.report import RunReport
from lingoflow.review import write_pages
from lingoflow.schema import Segment, SourceInfo, Transcript, Word

from .cuefiles import write_cue_files


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def _parse(html: str) -> _Links:
    p = _Links()
    p.feed(html)
    return p


def _item(out, name="talk"):
    folder = out / name
    folder.mkdir(parents=True)
    segs = [
        Segment(0, 0.5, 2.0, "Hello there.", speaker="SPEAKER_00", confidence=0.9,
                words=[Word(0.5, 1.0, "Hello", 0.95), Word(1.0, 2.0, "there.", 0.21)]),
        Segment(1, 2.5, 4.0, "Second line.", speaker="SPEAKER_01", confidence=0.8,
                words=[Word(2.5, 3.0, "Second", 0.9), Word(3.0, 4.0, "line.", 0.9)]),
    ]
    src = Transcript(SourceInfo("talk.wav", "0" * 64, 5.0), "en", 1.0, segs)
    tr = src.translated("pt", ["Olá.", "Segunda linha."])
    tr.segments[1].text, tr.segments[1].edited = "Segunda frase <b>editada</b>.", True
    (folder / "transcript.json").write_text(json.dumps(src.to_dict()))
    (folder / "transcript.pt.json").write_text(json.dumps(tr.to_dict()))
    for t in (src, tr):
        write_cue_files(captions.make_cues(t), folder / f"captions.{t.language}.srt", folder / f"captions.{t.language}.vtt")
    stats = FitStats(2, 1, 1.3, [1], [Placement(0, 0.5, 2.3, 2.0, 1.3, 0.0), Placement(1, 2.5, 4.0, 4.0, 1.35, 0.4)], resynthesized=[1])
    dubfit.write(folder / "dub.pt.fit.json", tr, stats)
    (folder / "dub.pt.wav").write_bytes(b"")
    return {
        "item": name, "source": "/nowhere/talk.wav", "status": "ok", "error": None, "language": "en", "targets": ["pt"],
        "audio_seconds": 5.0, "stages": {"transcribe": {"seconds": 1.0, "cached": True}, "synthesize.pt": {"seconds": 1.5, "cached": False}},
        "outputs": [], "dub_fit": {"pt": {"segments": 2, "sped_up": 1, "max_speed": 1.3, "overflowed": [1]}},
        "edited": {"pt": [1]}, "resynthesized": {"pt": [1]},
        # fields other features add: rendered when present
        "speakers": [{"speaker": "SPEAKER_00", "seconds": 1.5, "profile": "narrator"}, {"speaker": "SPEAKER_01", "seconds": 1.5, "profile": "guest"}],
        "glossary": {"pt": {"applied": 25, "honored": 24, "missed": {"course library": 1}}},
    }


def _report(*items):
    return {"schema": "lingoflow.report/1", "items": list(items), "audio_seconds": 5.0, "wall_seconds": 3.0, "realtime_factor": 1.667, "failed": 1}


def test_library_page_lists_every_file_with_status_and_fields(tmp_path):
    ok = _item(tmp_path)
    bad = {"item": "broken", "source": "/lib/broken.mp3", "status": "failed", "error": "/lib/broken.mp3: not a media file <script>alert(1)</script>",
           "language": None, "targets": ["pt"], "audio_seconds": 0.0, "stages": {}, "outputs": [], "dub_fit": {}}
    paths = write_pages(_report(ok, bad), tmp_path)
    assert sorted(p.name for p in paths) == ["report.html", "review.html"]
    html = (tmp_path / "report.html").read_text()
    rows = re.findall(r'<tr class="item status-(\w+)" data-status="\w+" data-item="([^"]+)"', html)
    assert rows == [("ok", "talk"), ("failed", "broken")]
    assert 'href="talk/review.html"' in html and "broken/review.html" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "SPEAKER_00, SPEAKER_01" in html and "SPEAKER_00: narrator, SPEAKER_01: guest" in html
    assert "pt: 96% (24/25 terms), missed course library ×1" in html
    assert "pt: #1 spoken" in html and 'class="badge edited">1 edited' in html
    assert "pt: 1/2 sped up (max 1.30x), 1 cut" in html and "cached 1/2" in html and "2.0x" in html  # 5 s audio / 2.5 s work
    assert not list(tmp_path.rglob("*.part*")), "temporary files left behind"


def test_pages_reference_nothing_outside_the_output_folder(tmp_path):
    write_pages(_report(_item(tmp_path)), tmp_path)
    for page in (tmp_path / "report.html", tmp_path / "talk" / "review.html"):
        links = _parse(page.read_text())
        assert links.urls
        for url in links.urls:
            assert "://" not in url and not url.startswith("/"), (page.name, url)
            assert (page.parent / url).resolve().is_relative_to(tmp_path.resolve()), url
        assert not [a for t, a in links.tags if t in ("link", "img", "iframe") or (t == "script" and "src" in a)]


def test_file_page_marks_low_confidence_words_edits_and_fit(tmp_path):
    write_pages(_report(_item(tmp_path)), tmp_path)
    html = (tmp_path / "talk" / "review.html").read_text()
    links = _parse(html)
    assert ("audio", {"class": "dub", "id": "dub-pt", "data-lang": "pt", "src": "dub.pt.wav", "preload": "auto"}) in links.tags
    assert re.search(r'<span class="word low" title="low confidence: 0.21">there\.</span>', html)
    assert '<span class="word">Hello</span>' in html
    assert "Segunda frase &lt;b&gt;editada&lt;/b&gt;." in html and 'class="badge edited"' in html
    assert ">cut 0.40 s<" in html and ">1.30x<" in html and 'class="badge redub"' in html
    rects = re.findall(r'<rect class="([\w -]+)"[^>]*data-start="([\d.]+)" data-id="(\d+)"', html)
    assert sorted(rects) == sorted([("speech", "0.5", "0"), ("speech", "2.5", "1"), ("dub-fast", "0.5", "0"), ("dub-cut edited", "2.5", "1")])
    assert html.count('class="row-label"') == 3  # two speakers and the pt dub
    assert "Stages (2, 1 reused from the cache)" in html and "<td>transcribe</td><td>1.00</td><td>yes</td>" in html
    data = json.loads(re.search(r'<script id="review-data" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert data["captions"]["pt"][-1][2].startswith("Segunda frase") and [s["id"] for s in data["segments"]] == [0, 1]


def test_a_file_whose_outputs_cannot_be_read_does_not_stop_the_library_page(tmp_path):
    good, odd = _item(tmp_path, "good"), _item(tmp_path, "odd")
    (tmp_path / "odd" / "dub.pt.fit.json").write_text(json.dumps({"schema": dubfit.DUBFIT_SCHEMA, "segments": [{"id": 0}]}))
    write_pages(_report(good, odd), tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert 'href="good/review.html"' in html and 'href="odd/review.html"' not in html and 'data-item="odd"' in html


def test_player_falls_back_to_the_source_by_a_relative_escaped_link(tmp_path):
    out = tmp_path / "out"
    entry = _item(out)
    source = tmp_path / "lib" / "talk #1?.wav"
    source.parent.mkdir()
    source.write_bytes(b"RIFF")
    entry["source"] = str(source)
    write_pages(_report(entry), out)
    page = out / "talk" / "review.html"
    srcs = [a["src"] for t, a in _parse(page.read_text()).tags if t == "source"]
    assert srcs == ["../../lib/talk%20%231%3F.wav"]
    (out / "talk" / "talk.localized.mka").write_bytes(b"")
    write_pages(_report(entry), out)
    srcs = [a["src"] for t, a in _parse(page.read_text()).tags if t == "source"]
    assert srcs == ["talk.localized.mka", "../../lib/talk%20%231%3F.wav"]


def test_a_report_written_before_a_field_existed_renders_it_empty(tmp_path):
    entry = _item(tmp_path)
    for name in ("speakers", "glossary", "edited", "resynthesized", "dub_fit", "text_source", "worker"):
        entry.pop(name, None)
    write_pages(_report(entry), tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert "SPEAKER_00, SPEAKER_01" in html  # from the transcript
    assert "narrator" not in html and "terms)" not in html and "1/2 sped up" not in html


def test_a_report_field_of_another_shape_is_an_error_not_a_guess(tmp_path):
    entry = _item(tmp_path)
    entry["glossary_adherence"] = {"pt": 0.9}
    with pytest.raises(TypeError, match="glossary_adherence"):
        write_pages(_report(entry), tmp_path)
    with pytest.raises(ValueError, match="not a lingoflow report"):
        write_pages({**_report(_item(tmp_path, "other")), "schema": "someone.else/1"}, tmp_path)


def test_report_json_keeps_its_shape_through_the_types():
    entry = {"item": "a", "source": "/a.wav", "status": "ok", "error": None, "language": "en", "targets": ["pt"], "audio_seconds": 5.0,
             "stages": {"ingest": {"seconds": 0.5, "cached": False}}, "outputs": ["a/transcript.json"],
             "dub_fit": {"pt": FitStats(2, 1, 1.3, [1], [Placement(1, 2.5, 4.0, 4.0, 1.35, 0.4, removed_words=["x"])]).summary()},
             "glossary": {"pt": {"applied": 2, "honored": 1, "missed": {"term": 1}}},
             "speakers": [{"speaker": "S0", "library_id": "spk-1", "seconds": 1.5, "segments": 1, "pitch_hz": 120.0, "pitch_range": "low"},
                          {"speaker": "S1", "library_id": None, "seconds": 2.0, "segments": 2, "pitch_hz": None, "pitch_range": None,
                           "profile": "guest", "enrolled": None, "similarity": 0.4}],
             "edited": {"pt": [1]}, "resynthesized": {"pt": []}, "worker": "host",
             "text_source": {"kind": "sidecar", "path": "/a.srt", "language": "en", "coverage": 1.0, "aligned_words": 3, "words": 3,
                             "rejected": [{"kind": "stream", "path": "/a.mkv", "language": None, "stream": 0, "reason": "it holds no text"}]},
             "input_quality": {"bandwidth_hz": 4000.0, "clipped": 0.0, "speech_dbfs": -20.0, "speech_peak_dbfs": -15.0, "snr_db": 30.0,
                               "speech_share": 0.8, "score": 0.8, "warnings": [{"name": "narrowband", "figure": 4000.0, "severity": "note",
                                                                                 "message": "narrowband: speech stops at 4.0 kHz"}]}}
    report = {"schema": "lingoflow.report/1", "items": [entry], "audio_seconds": 5.0, "wall_seconds": 1.0, "realtime_factor": 5.0, "failed": 0}
    assert RunReport.from_dict(report).to_dict() == report
    asr = {**entry, "text_source": {"kind": "asr", "rejected": [{"kind": "sidecar", "path": "/a.srt", "language": "de", "reason": "de"}]}}
    assert RunReport.from_dict({**report, "items": [asr]}).to_dict()["items"] == [asr]
    assert RunReport.from_dict({**report, "publish_error": "no"}).to_dict()["publish_error"] == "no"


def test_caption_and_dub_qc_are_shown_with_what_is_over_the_norms(tmp_path):
    from lingoflow.captions.writers import write_captions

    entry = _item(tmp_path)
    folder = tmp_path / "talk"
    # two long lines said in a second each, back to back: no time for 17 cps
    dense = Transcript(SourceInfo("talk.wav", "0" * 64, 2.2), "en", 1.0, [
        Segment(0, 0.0, 1.0, "Hello there, this line is said much too fast to read.", speaker="S1"),
        Segment(1, 1.0, 2.0, "And so is this one, right after it, with no pause.", speaker="S2")])
    (path, _, qc_path) = write_captions(dense, folder, ["srt", "vtt"], max_cps=17.0, qc=True)
    qc = json.loads(qc_path.read_text())
    assert qc["over_norm"] == [1, 2] and qc["within_norms"] == 0.0 and qc["faults"]["1"] == ["reading speed"]
    entry["captions"] = {"en": {k: qc[k] for k in ("cues", "within_norms", "fastest_cps", "max_cps", "over_norm", "words_condensed")}}
    entry["dub_fit"]["pt"].update(speedup_median=1.3, speedup_p90=1.35, max_effective_speed=1.35)
    tr = Transcript.from_dict(json.loads((folder / "transcript.pt.json").read_text()))
    dubfit.write(folder / "dub.pt.fit.json", tr, FitStats(2, 1, 1.35, [], [Placement(0, 0.5, 2.3, 2.0, 1.35, 0.0), Placement(1, 2.5, 4.0, 4.0, 1.25, 0.0)]))
    write_pages(_report(entry), tmp_path)
    html = (folder / "review.html").read_text()
    assert "captions en: 0% of 2 cues within 17 cps" in html
    over = re.findall(r'<li class="over" data-start="([\d.]+)">#(\d+)', html)
    assert [n for _, n in over] == ["1", "2"] and "Hello there." in html.split('class="over-norm"')[1]
    assert html.count('class="badge fast over"') == 1 and html.count('class="badge fast"') == 3  # 1.35x highlighted; 1.25x and the two cps badges not
    from lingoflow.flows.artifacts import table_rows
    from lingoflow.report import ItemReport

    row = table_rows([ItemReport.from_dict(entry)])[0]
    assert row["captions within norms"].startswith("en 0% (max") and row["dub speed-up (median/p90/max)"] == "pt 1.30/1.35/1.35x"
