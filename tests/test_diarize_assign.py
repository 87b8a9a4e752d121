"""Speaker turns applied to a transcript: word-level labels, splits at word boundaries."""
from lingoflow.speakers.diarize import Turn, apply_turns
from lingoflow.speakers.diarize.assign import speech_regions
from lingoflow.schema import Segment, Word


def _seg(i, words):
    """A segment as the ASR stage stores it: words without their leading spaces."""
    ws = [Word(s, e, t.strip()) for s, e, t in words]
    return Segment(i, ws[0].start, ws[-1].end, " ".join(w.text for w in ws), words=ws)


def test_segment_spanning_a_speaker_change_is_split_at_the_word_boundary():
    seg = _seg(0, [(0.0, 0.4, " Is"), (0.4, 0.8, " it"), (0.8, 1.3, " ready?"), (1.6, 2.0, " Yes,"), (2.0, 2.4, " it"), (2.4, 3.0, " is.")])
    turns = [Turn(0.0, 1.45, "SPEAKER_00"), Turn(1.45, 3.0, "SPEAKER_01")]
    out = apply_turns([seg, _seg(1, [(3.5, 4.0, " Good."), (4.0, 4.6, " Thanks.")])], turns)
    assert [(s.id, s.speaker, s.text) for s in out] == [
        (0, "SPEAKER_00", "Is it ready?"),
        (1, "SPEAKER_01", "Yes, it is."),
        (2, "SPEAKER_01", "Good. Thanks."),  # after the last turn: the nearest speaker
    ]
    assert out[0].end == 1.3 and out[1].start == 1.6  # cut between words, not inside one
    assert [w.text for w in out[1].words] == ["Yes,", "it", "is."]


def test_a_short_glitch_inside_a_turn_is_smoothed_away():
    words = [(i * 0.4, i * 0.4 + 0.35, f" w{i}") for i in range(10)]
    seg = _seg(0, words)
    # one word (0.35 s) labelled as another speaker in the middle of a 4 s turn
    turns = [Turn(0.0, 1.58, "SPEAKER_00"), Turn(1.58, 1.95, "SPEAKER_01"), Turn(1.95, 4.0, "SPEAKER_00")]
    out = apply_turns([seg], turns)
    assert len(out) == 1 and out[0].speaker == "SPEAKER_00" and out[0].text == seg.text


def test_speech_regions_merge_words_over_short_gaps():
    segs = [_seg(0, [(1.0, 1.5, " a"), (1.6, 2.0, " b"), (3.0, 3.5, " c")])]
    assert speech_regions(segs) == [(1.0, 2.0), (3.0, 3.5)]
