"""One run through the CLI (issue 21): human captions beside a video become the source, every
output format is written, and the pt captions are burned into a copy of the video."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pysubs2

from .conftest import ffmpeg, ffprobe_streams, run_cli
from .test_sidecar import JFK, JFK_SRT


def test_human_captions_all_formats_and_burn_in(eval_dir, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    video = library / "lecture.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=0x2050a0:s=320x240:r=25:d=11", "-i", str(eval_dir / "asr" / "en_jfk.flac"),
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(video))
    (library / "lecture.en.srt").write_text(JFK_SRT, encoding="utf-8")
    out = tmp_path / "out"
    proc = run_cli("localize", str(library), "--out", str(out), "--to", "pt", "--asr-model", "tiny.en", "--diarize-engine", "none",
                   "--formats", "srt,vtt,ass,ttml,bilingual", "--burn-in", "pt")
    assert proc.returncode == 0, proc.stderr
    assert f"human captions used: {library / 'lecture.en.srt'}, 100% aligned" in proc.stderr
    folder = out / "lecture"
    transcript = json.loads((folder / "transcript.json").read_text())
    assert " ".join(s["text"] for s in transcript["segments"]) == JFK
    assert transcript["text_source"]["kind"] == "sidecar"
    report = json.loads((out / "report.json").read_text())
    (item,) = report["items"]
    assert item["text_source"]["coverage"] == 1.0
    page = (folder / "review.html").read_text()  # the reviewer sees where the text came from
    assert f"human captions used: {library / 'lecture.en.srt'}, 100% aligned" in page
    for name in ["captions.en.srt", "captions.en.vtt", "captions.en.ass", "captions.en.ttml", "captions.pt.ass",
                 "captions.pt.ttml", "captions.en-pt.srt", "captions.en-pt.vtt", "lecture.burned-in.pt.mp4"]:
        assert f"lecture/{name}" in item["outputs"] and (folder / name).is_file(), name
    assert not (folder / "captions.en-en.srt").exists()
    assert pysubs2.load(str(folder / "captions.pt.ass")).styles["Default"].fontname == "DejaVu Sans"
    assert ET.parse(folder / "captions.pt.ttml").getroot().tag == "{http://www.w3.org/ns/ttml}tt"
    bilingual = pysubs2.load(str(folder / "captions.en-pt.srt"))
    assert bilingual[0].plaintext.startswith("And so my fellow Americans")
    burned = ffprobe_streams(folder / "lecture.burned-in.pt.mp4")
    assert [s["codec_type"] for s in burned] == ["video", "audio", "audio"]
    assert [s.get("tags", {}).get("language") for s in burned if s["codec_type"] == "audio"] == ["eng", "por"]
