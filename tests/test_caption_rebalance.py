"""Where continuous speech leaves a cue too little time to read, the captions do what subtitlers do
before letting it read fast: the cue starts a little earlier, into the time the cue before it can
spare, and short phrases of one speaker share one cue. Checked on the written SRT and WebVTT."""
import pysubs2
import pytest

from lingoflow.captions import cues as captions
from lingoflow.captions import writers
from lingoflow.captions.edits import srt_texts
from lingoflow.schema import Segment, SourceInfo, Transcript, Word

FRAME2 = 2 / 24


def _segment(i, text, start, end, speaker=None):
    words = text.split()
    step = (end - start) / len(words)
    timed = [Word(round(start + k * step, 3), round(start + (k + 1) * step - 0.02, 3), w) for k, w in enumerate(words)]
    return Segment(i, start, end, text, speaker=speaker, words=timed)


def _transcript(segments, duration, language="en"):
    return Transcript(SourceInfo("x", "0" * 64, duration), language, 1.0, segments)


def _written(tmp_path, transcript, source=None):
    """(start, end, text) of each cue of the written SRT, after checking the WebVTT holds the same
    cues and that the timing is sane: in order, two frames apart, within the media."""
    suffix = f".{transcript.language}" if source is not None else ""
    paths = writers.write_captions(transcript, tmp_path, ["srt", "vtt"], suffix, source=source)
    srt, vtt = (pysubs2.load(str(p), encoding="utf-8") for p in paths)
    cues = [(e.start / 1000, e.end / 1000, e.plaintext) for e in srt]
    assert cues == [(e.start / 1000, e.end / 1000, e.plaintext) for e in vtt]
    assert cues[0][0] >= 0 and cues[-1][1] <= transcript.source.duration + 1e-6
    for start, end, _ in cues:
        assert end - start >= 0.04
    for (_, end, _), (start, _, _) in zip(cues, cues[1:]):
        assert start - end >= FRAME2 - 1e-3
    return [(start, end, text.replace("\n", " ")) for start, end, text in cues], [len(text.replace("\n", "")) / (end - start) for start, end, text in cues]


# a calm sentence, then speech running on through three segments: the second needs 3 s to read
# and is said in 1.8 s; the cues after it leave it no more time
CALM = "So that is where we are today."
RUN = ["and the next thing we look at is how the big rivers carry it", "down to the sea over many years and who lives near them",
       "which is what the next lesson covers"]


def test_a_cue_starts_earlier_into_the_time_the_cue_before_it_spares(tmp_path):
    tr = _transcript([_segment(0, CALM, 0.5, 3.0), _segment(1, RUN[0], 3.0, 4.8), _segment(2, RUN[1], 4.8, 7.6),
                      _segment(3, RUN[2], 7.6, 9.4)], duration=30.0)
    cues, speeds = _written(tmp_path, tr)
    assert [text for *_, text in cues] == [CALM, *RUN]  # every word, in order
    assert max(speeds) <= 20.0 + 1e-6, cues  # English: 20 characters a second
    calm, fast = cues[0], cues[1]
    # the fast cue appears before its speech, but no more than half a second before it ...
    assert 3.0 - captions.CaptionNorms().borrow_lead - 1e-6 <= fast[0] < 3.0 - captions.CaptionNorms().lead_in
    # ... and the calm cue keeps its own reading time from its speech on
    assert calm[0] <= 0.5 and calm[1] - 0.5 >= len(CALM) / 20.0 - 1e-3


def test_a_cue_borrows_nothing_from_a_cue_with_no_time_to_spare(tmp_path):
    # the cue before needs all its speech's time (62 characters in 3.1 s): the fast one starts no
    # earlier than the usual lead-in, and reads fast rather than take that cue's time
    before = "we went down to the river bank to see how high the water got."
    tr = _transcript([_segment(0, before, 0.0, 3.1), _segment(1, RUN[0], 3.1, 4.9), _segment(2, RUN[1], 4.9, 7.7),
                      _segment(3, RUN[2], 7.7, 9.5)], duration=30.0)
    cues, speeds = _written(tmp_path, tr)
    assert cues[1][0] >= 3.1 - captions.CaptionNorms().lead_in - 1e-6
    assert max(speeds) <= captions.HARD_MAX_CPS + 1e-6


PHRASES = ["If you want...", "So, if you want...", "If you want..."]


def _phrases(duration, speakers=(None, None, None)):
    """A word, a silence, then three short phrases said one after the other up to the media's end."""
    return _transcript([_segment(0, "Right.", 0.0, 0.5), *(_segment(i + 1, p, 10.0 + 0.5 * i, 10.5 + 0.5 * i - 0.2 * (i == 2), s)
                                                         for i, (p, s) in enumerate(zip(PHRASES, speakers)))], duration=duration)


def test_short_phrases_of_one_speaker_share_a_cue_where_apart_they_read_too_fast(tmp_path):
    cues, speeds = _written(tmp_path, _phrases(11.4))
    assert " ".join(text for *_, text in cues) == "Right. " + " ".join(PHRASES)  # every word, in order
    assert max(speeds) <= 20.0 + 1e-6, cues
    assert len(cues) == 3 and cues[1][2] == " ".join(PHRASES[:2])
    assert cues[1][0] >= 10.0 - captions.CaptionNorms().quiet_lead - 1e-6  # no earlier than the silence allows
    # the merged cue fits the line norms
    srt = pysubs2.load(str(tmp_path / "captions.en.srt"), encoding="utf-8")
    assert all(len(line) <= 42 for e in srt for line in e.plaintext.split("\n")) and all(e.plaintext.count("\n") <= 1 for e in srt)


def test_cues_that_read_well_or_of_two_speakers_are_not_merged(tmp_path):
    assert len(_written(tmp_path, _phrases(20.0))[0]) == 4  # time after them: each phrase its own cue
    cues, speeds = _written(tmp_path, _phrases(11.4, speakers=("A", "B", "A")))
    assert [text for *_, text in cues][1:] == PHRASES  # two people: never one cue, even reading fast
    assert max(speeds) > 20.0


def test_a_merged_translation_cue_gives_each_segment_its_words_back(tmp_path):
    source = _phrases(12.1)  # Portuguese is longer: apart, the last phrase would run past the end
    pt = source.translated("pt", ["Certo.", "Se você quiser...", "Então, se você quiser...", "Se você quiser..."])
    cues, speeds = _written(tmp_path, pt, source)
    assert max(speeds) <= 17.0 + 1e-6, cues
    merged = [text for *_, text in cues if text.count("...") > 1]
    assert merged, cues
    # the bilingual file shows every source phrase over its translation, in order
    srt, _ = writers.write_captions(pt, tmp_path, ["bilingual"], ".pt", source=source)
    shown = " ".join(e.plaintext.replace("\n", " ") for e in pysubs2.load(str(srt), encoding="utf-8"))
    assert shown.count("If you want...") == 2 and "So, if you want..." in shown
    assert shown.index("So, if you want...") < shown.index("Então, se você quiser...")
    # a reviewer's edits are traced back per segment: unedited, every segment reads as before
    assert srt_texts(tmp_path / "captions.pt.srt", pt, source) == {s.id: s.text for s in pt.segments}


@pytest.mark.parametrize("language", ["en", "pt"])
def test_the_last_cues_share_the_time_the_media_leaves(tmp_path, language):
    # more text than any reading speed fits before the media ends: no one cue takes all the excess
    text = "He could rise if he seemed to complain against the wizard who would vanish behind the curtain on the left."
    source = _transcript([_segment(0, text, 0.0, 4.5)], duration=4.6)
    tr = source if language == "en" else source.translated("pt", [
        "Ele poderia se levantar se ele parecesse reclamar contra o feiticeiro que desapareceria atrás da cortina à esquerda."])
    cues, speeds = _written(tmp_path, tr, None if language == "en" else source)
    assert len(cues) == 2 and max(speeds) - min(speeds) <= 0.5, cues
    assert cues[-1][1] == pytest.approx(4.6, abs=0.002)
