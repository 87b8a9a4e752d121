import pysubs2
import pytest

from lingoflow import captions
from lingoflow.schema import Segment, SourceInfo, Transcript, Word

NORMS = captions.CaptionNorms()


def _transcript(segments, duration=60.0, language="en"):
    return Transcript(SourceInfo("x", "0" * 64, duration), language, 1.0, segments)


def _words(text, start, seconds_per_word):
    return [Word(start + i * seconds_per_word, start + (i + 1) * seconds_per_word - 0.02, w) for i, w in enumerate(text.split())]


LONG = ("In this lesson we look at the way rivers carry sediment from the mountains to the sea, "
        "and how over thousands of years that sediment builds the wide flat plains where most people live today.")


def _check_norms(cues, allow_fast=False):
    for cue in cues:
        assert len(cue.lines) <= 2
        assert all(len(line) <= 42 for line in cue.lines)
        assert cue.end - cue.start <= 7.0 + 1e-6
        if not allow_fast:
            assert cue.chars / (cue.end - cue.start) <= 17.0 + 1e-6
    for a, b in zip(cues, cues[1:]):
        assert a.end <= b.start + 1e-6


def test_long_segment_is_resegmented_within_norms():
    seg = Segment(0, 1.0, 1.0 + 0.35 * len(LONG.split()), LONG, words=_words(LONG, 1.0, 0.35))
    cues = captions.make_cues(_transcript([seg]))
    assert len(cues) >= 3
    _check_norms(cues)
    assert " ".join(" ".join(c.lines) for c in cues) == LONG


def test_translation_without_word_timings_keeps_segment_span():
    seg = Segment(0, 2.0, 14.0, LONG, source_text="x")
    cues = captions.make_cues(_transcript([seg]))
    _check_norms(cues)
    assert cues[0].start == pytest.approx(2.0)
    assert cues[-1].end <= 14.0 + 7.0


def test_short_cue_extended_into_silence_for_reading_speed():
    seg = Segment(0, 1.0, 1.3, "Thank you very much everyone", words=_words("Thank you very much everyone", 1.0, 0.06))
    cues = captions.make_cues(_transcript([seg, Segment(1, 5.0, 6.0, "Next.", words=_words("Next.", 5.0, 0.5))]))
    assert cues[0].end - cues[0].start >= len("Thank you very much everyone") / 17 - 1e-6
    assert cues[0].end <= 5.0


def test_written_files_parse_back(tmp_path):
    seg = Segment(0, 0.5, 12.0, LONG, words=_words(LONG, 0.5, 0.3))
    cues = captions.make_cues(_transcript([seg]))
    captions.write(cues, tmp_path / "c.srt", tmp_path / "c.vtt")
    for name in ("c.srt", "c.vtt"):
        subs = pysubs2.load(str(tmp_path / name))
        assert len(subs) == len(cues)
        for event, cue in zip(subs, cues):
            assert event.plaintext == cue.text
            assert abs(event.start / 1000 - cue.start) < 0.011
    assert (tmp_path / "c.vtt").read_text().startswith("WEBVTT")


def test_wrap_balances_lines():
    lines = captions.wrap("And so my fellow Americans, ask not what your country can do for you", 42, 2)
    assert len(lines) == 2 and max(map(len, lines)) <= 42
    assert abs(len(lines[0]) - len(lines[1])) < 12
    assert captions.wrap("x" * 100, 42, 2) is None


def test_running_speech_pushes_next_cue_at_most_max_delay():
    # 17.5 chars a second of continuous speech: the first cue needs more time than its words take
    text = "Welcome to the course library and this first lesson we look at how rivers shape the land today"
    words = _words(text, 0.0, 0.3)
    cues = captions.make_cues(_transcript([Segment(0, 0.0, words[-1].end, text, words=words)], duration=20.0))
    _check_norms(cues)
    counts = [len(" ".join(c.lines).split()) for c in cues]
    speech_starts = [words[sum(counts[:i])].start for i in range(len(cues))]
    for cue, speech in zip(cues, speech_starts):
        assert speech - 1e-6 <= cue.start <= speech + NORMS.max_delay + 1e-6


def test_a_segment_just_over_one_cue_splits_in_balanced_cues_not_an_orphan():
    # 97 characters: one full cue plus "on the left." alone would flash 13 characters at the end
    text = "He began a confused complaint against the wizard who had vanished behind the curtain on the left."
    words = _words(text, 0.0, 0.3)
    cues = captions.make_cues(_transcript([Segment(0, 0.0, words[-1].end, text, words=words)], duration=20.0))
    _check_norms(cues)
    assert len(cues) == 2
    assert min(c.chars for c in cues) >= 0.6 * max(c.chars for c in cues)


def test_cues_cut_at_a_clause_end_when_one_is_near_the_middle():
    text = "Water carries small stones downstream for many years, and over time it cuts deep and wide valleys."
    words = _words(text, 0.0, 0.3)
    cues = captions.make_cues(_transcript([Segment(0, 0.0, words[-1].end, text, words=words)], duration=20.0))
    assert [c.text.replace("\n", " ") for c in cues] == [
        "Water carries small stones downstream for many years,", "and over time it cuts deep and wide valleys."]
