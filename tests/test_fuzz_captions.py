"""Fuzz the caption writer (issue 7): whatever a recognizer or translator returns (any text:
newlines, '-->', markup, control characters, any script; any timing, overlapping or zero
length), make_cues and write never crash, and the SRT and WebVTT they write parse back
to the same cues, in order, with the same words."""
from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pysubs2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lingoflow.captions import cues as captions
from lingoflow.schema import Segment, SourceInfo, Transcript, Word

from .cuefiles import write_cue_files

times = st.floats(min_value=0, max_value=36000, allow_nan=False, allow_infinity=False)
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(["-->", "\n", "\r\n", "<i>", "</b>", "{\\an8}", "&amp;", "WEBVTT", "1", "00:00:01,000",
                              "NOTE", "Olá,", "日本語", "مرحبا", "🎧", "\t", "\x00", "\u2028", "a" * 60, "word."]), max_size=40).map(" ".join),
)


@st.composite
def transcripts(draw):
    segments = []
    for i in range(draw(st.integers(0, 8))):
        start = draw(times)
        end = start + draw(st.floats(min_value=0, max_value=30, allow_nan=False))
        text = draw(texts)
        words = []
        if draw(st.booleans()):
            t = start
            for w in text.split()[:30]:
                d = draw(st.floats(min_value=0, max_value=2, allow_nan=False))
                words.append(Word(round(t, 3), round(t + d, 3), w))
                t += d
        segments.append(Segment(i, round(start, 3), round(end, 3), text, words=words))
    duration = max([s.end for s in segments] + [draw(times)])
    return Transcript(SourceInfo("file:x", "0" * 64, duration), "en", 1.0, segments)


def _words(text: str) -> list[str]:
    return text.split()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts())
def test_caption_writer_never_crashes_and_round_trips(transcript):
    cues = captions.make_cues(transcript)
    with tempfile.TemporaryDirectory() as tmp:
        srt, vtt = Path(tmp) / "c.srt", Path(tmp) / "c.vtt"
        write_cue_files(cues, srt, vtt)
        for path, fmt in ((srt, "srt"), (vtt, "vtt")):
            text = path.read_text(encoding="utf-8")
            back = pysubs2.SSAFile.from_string(text, format_=fmt) if text.strip() else pysubs2.SSAFile()
            assert len(back) == len(cues), (fmt, text)
            for cue, ev in zip(cues, back):
                assert _words(ev.plaintext) == _words(cue.text), (fmt, cue.text, ev.plaintext)
                assert abs(ev.start - round(cue.start * 1000)) <= 1 and ev.end > ev.start
            assert [e.start for e in back] == sorted(e.start for e in back)
    for cue in cues:
        assert cue.lines and all(line.strip() for line in cue.lines)
        assert all(len(line) <= captions.CaptionNorms().max_line_chars for line in cue.lines)
        assert math.isfinite(cue.start) and cue.end > cue.start
    for a, b in zip(cues, cues[1:]):  # two frames apart at least, whatever the timings
        assert b.start - a.end >= captions.CaptionNorms().min_gap - 1e-6
    # whatever the translation's length, its cues are made along the source's speech too
    translated = transcript.translated("pt", [s.text + " " + s.text for s in transcript.segments])
    for a, b in zip(made := captions.make_cues(translated, source=transcript), made[1:]):
        assert b.start - a.end >= captions.CaptionNorms().min_gap - 1e-6
