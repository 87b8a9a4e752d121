"""One identity per person across a library, end to end on real recordings (the CLI, tiny.en).

File a: the first 5.5 s of the JFK speech. File b: 11.8 s of an AMI meeting (one man, far-field,
dev00) followed by the rest of the JFK speech. The JFK speaker is in both files; the meeting
speaker speaks more in b, so b on its own would give him the voice JFK has in a. Linked, JFK
keeps his voice in b (heard in the dub itself: its pitch) and the meeting speaker gets the other.
A third file joining later (a different reader) changes nothing in the first two.
"""
from __future__ import annotations

import json
import wave

import numpy as np
import pytest

from .conftest import ffmpeg, run_cli

VOICES = """defaults: false
link_threshold: 0.6  # 5 s of speech on each side: measured (CAM++) JFK a/b 0.76, JFK/meeting 0.27-0.30, reader <= 0.32
profiles:
  low:
    voices:
      "*": {engine: espeak-ng, variant: m1, pitch: 10, rate: 170}
  high:
    voices:
      "*": {engine: espeak-ng, variant: f2, pitch: 95, rate: 170}
"""


def _dub_pitch(path, start: float, end: float) -> float:
    from lingoflow.speakers.diarize.measure import median_pitch

    with wave.open(str(path), "rb") as w:
        rate, channels = w.getframerate(), w.getnchannels()
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
    audio = audio.reshape(-1, channels).mean(axis=1)
    if rate != 16000:
        from math import gcd

        from scipy.signal import resample_poly

        audio = resample_poly(audio, 16000 // gcd(rate, 16000), rate // gcd(rate, 16000)).astype(np.float32)
    pitch = median_pitch(audio[int(start * 16000) : int(end * 16000)])
    assert pitch is not None, (path, start, end)
    return pitch


def _localize(lib, out, voices):
    # --jobs 1: files link in name order (a first); with files in flight, whichever diarize stage
    # ends first founds JFK and casts him (docs/speakers.md), and b may end first.
    # at most two people a file: this test is about linking and voices (counting is tests/test_diarize_campp.py's);
    # the campp engine splits the last 5 s of b (JFK, studio sound after a far-field meeting) into two clusters
    proc = run_cli("localize", str(lib), "--to", "pt", "--out", str(out), "--asr-model", "tiny.en", "--voices", str(voices),
                   "--background", "none", "--max-speakers", "2", "--quiet", "--jobs", "1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {i["item"]: i for i in json.loads((out / "report.json").read_text())["items"]}


def _speech(out, item: str, label: str) -> tuple[float, float]:
    segs = [s for s in json.loads((out / item / "transcript.json").read_text())["segments"] if s["speaker"] == label]
    return segs[0]["start"], segs[-1]["end"]


@pytest.fixture(scope="module")
def library(eval_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("library-speakers")
    lib, work = root / "lib", root / "work"
    lib.mkdir()
    work.mkdir()
    jfk, meeting = eval_dir / "asr" / "en_jfk.flac", eval_dir / "diar" / "ami" / "dev00.wav"
    mono = ["-ac", "1", "-ar", "16000"]
    ffmpeg("-i", f"file:{jfk}", "-t", "5.5", *mono, f"file:{lib / 'a-jfk.wav'}")
    ffmpeg("-ss", "1.44", "-t", "11.8", "-i", f"file:{meeting}", *mono, f"file:{work / 'meeting.wav'}")  # MEE009 alone (RTTM)
    ffmpeg("-ss", "5.5", "-i", f"file:{jfk}", *mono, f"file:{work / 'jfk-rest.wav'}")
    ffmpeg("-i", f"file:{work / 'meeting.wav'}", "-i", f"file:{work / 'jfk-rest.wav'}", "-filter_complex",
           "[0:a][1:a]concat=n=2:v=0:a=1", f"file:{lib / 'b-meeting.wav'}")
    voices = root / "voices.yaml"
    voices.write_text(VOICES)
    out = root / "out"
    return lib, out, voices, _localize(lib, out, voices), eval_dir


def test_the_same_person_is_one_library_speaker_with_one_voice(library):
    lib, out, voices, items, _ = library
    a, b = items["a-jfk"], items["b-meeting"]
    assert a["status"] == b["status"] == "ok", (a.get("error"), b.get("error"))
    assert len(a["speakers"]) == 1 and len(b["speakers"]) == 2, (a["speakers"], b["speakers"])
    jfk_id = a["speakers"][0]["library_id"]
    b_jfk = max(b["speakers"], key=lambda s: _speech(out, "b-meeting", s["speaker"])[0])  # the one who speaks last
    b_meeting = next(s for s in b["speakers"] if s is not b_jfk)
    assert b_jfk["library_id"] == jfk_id and b_meeting["library_id"] not in (None, jfk_id)
    assert b_meeting["seconds"] > b_jfk["seconds"]  # on its own, b would give him JFK's voice from a
    # the dubs themselves: JFK sounds alike in both, the meeting speaker is the other voice
    a_pitch = _dub_pitch(out / "a-jfk" / "dub.pt.wav", *_speech(out, "a-jfk", a["speakers"][0]["speaker"]))
    b_jfk_pitch = _dub_pitch(out / "b-meeting" / "dub.pt.wav", *_speech(out, "b-meeting", b_jfk["speaker"]))
    b_meeting_pitch = _dub_pitch(out / "b-meeting" / "dub.pt.wav", *_speech(out, "b-meeting", b_meeting["speaker"]))
    assert abs(a_pitch - b_jfk_pitch) < 0.15 * a_pitch, (a_pitch, b_jfk_pitch)
    assert b_meeting_pitch > 1.6 * b_jfk_pitch, (b_meeting_pitch, b_jfk_pitch)
    # the library page lists the person with both files
    page = (out / "report.html").read_text()
    row = page[page.index(f'data-person="{jfk_id}"'):]
    row = row[: row.index("</tr>")]
    assert "a-jfk/review.html" in row and "b-meeting/review.html" in row
    claims = sorted(p.name for p in (out / ".lingoflow" / "speakers").iterdir())
    assert len(claims) == 2


def test_a_file_joining_later_changes_nothing_already_made(library):
    lib, out, voices, items, eval_dir = library
    dubs = {item: (out / item / "dub.pt.wav").read_bytes() for item in items}
    ffmpeg("-i", f"file:{eval_dir / 'asr' / 'en_ljspeech_LJ002-0020.wav'}", "-ac", "1", "-ar", "16000", f"file:{lib / 'c-reader.wav'}")
    again = _localize(lib, out, voices)
    for item in items:
        assert [s["library_id"] for s in again[item]["speakers"]] == [s["library_id"] for s in items[item]["speakers"]]
        assert again[item]["stages"]["synthesize.pt"]["cached"] and again[item]["resynthesized"]["pt"] == [], (
            item, again[item]["stages"], again[item]["resynthesized"], again[item]["speakers"], items[item]["speakers"])
        assert (out / item / "dub.pt.wav").read_bytes() == dubs[item]
    c = again["c-reader"]
    assert c["status"] == "ok" and c["speakers"], c
    known = {s["library_id"] for i in items.values() for s in i["speakers"]}
    assert c["speakers"][0]["library_id"] not in known  # a different person
