"""Clean verbatim (mt/condense.py), --verbatim, reading norms as data and the cache keys of the new options."""
import json
from pathlib import Path

import pysubs2
import pytest

from lingoflow.captions import cues as captions
from lingoflow import mt
from lingoflow.pipeline.translate import translate
from lingoflow.config import LocalizeOptions
from lingoflow.mt.condense import condense
from lingoflow.pipeline import outputs
from lingoflow.schema import Segment, SourceInfo, Transcript, Word
from lingoflow.store.cache import settings_for
from lingoflow.captions.writers.reading_norms import reading_norm


def _segment(i: int, start: float, text: str, step: float = 0.3) -> Segment:
    """A segment with one word timing a token, `step` seconds a word."""
    words = [Word(start + k * step, start + k * step + step * 0.8, f" {tok}") for k, tok in enumerate(text.split())]
    return Segment(i, start, words[-1].end, " " + text, words=words)


def _tr(*texts: str, language: str = "en", step: float = 0.3) -> Transcript:
    segs, t = [], 0.0
    for i, text in enumerate(texts):
        segs.append(_segment(i, t, text, step))
        t = segs[-1].end + 1.0
    return Transcript(SourceInfo("x", "0" * 64, t + 1.0), language, 1.0, segs)


def _clean(text: str, language: str = "en", terms=()) -> tuple[str, list[str]]:
    done = condense(_tr(text, language=language), terms)
    return done.transcript.segments[0].text, done.removed.get(0, [])


@pytest.mark.parametrize("said, shown", [
    ("Um, so we start at 5 o'clock.", "So we start at 5 o'clock."),
    ("It was, you know, hard to say.", "It was hard to say."),
    ("I I think, I think that the the plan is good.", "I think that the plan is good."),
    ("Because it doesn't make, when you pick it up, it doesn't make it any better.", "Because when you pick it up, it doesn't make it any better."),
    ("So we went to wh- what was it, the river.", "So we went to what was it, the river."),
    ("It's kind of hard to say, uh.", "It's hard to say."),
    ("Yeah, I mean she's running it.", "Yeah, she's running it."),  # a marker before a new clause, no commas
])
def test_english_fillers_stutters_repeats_false_starts_and_asides_go(said, shown):
    text, removed = _clean(said)
    assert text == shown and removed


@pytest.mark.parametrize("said", [
    "What kind of car is it?",  # 'kind of' meaning 'type of'
    "I like pizza.",  # 'like' as a verb, not set off
    "Well.",  # an answer, not an aside
    "No, no, no.",  # negations stay, even repeated
    "It was twenty twenty, the year.",  # a number said as words
    "Just put it on the desk, all I see is the desk top.",  # two words said twice are not a false start
    "We met Paris Hilton, um, Hilton at the door.",  # a name repeated after a filler stays
    "Did you know she's here?",  # a question, not a marker
    "That's what I mean I think.",  # an object, not a marker
])
def test_meaning_numbers_names_and_negations_are_never_touched(said):
    text, _ = _clean(said)
    for word in ("kind", "like", "Well", "no", "twenty", "desk", "Hilton", "know", "mean"):
        assert said.count(word) == text.count(word), (said, text)


def test_glossary_terms_are_protected():
    text, removed = _clean("The, uh, Delta Delta Force arrived.", terms=["Delta Delta"])
    assert "Delta Delta Force" in text and removed == ["uh,"]


@pytest.mark.parametrize("language, said, gone", [
    ("pt", "Então, hã, nós vamos ao rio.", "hã,"),
    ("es", "Entonces, eh, vamos al río.", "eh,"),
    ("de", "Also, äh, wir gehen zum Fluss.", "äh,"),
    ("fr", "Alors, euh, nous allons à la rivière.", "euh,"),
    ("it", "Poi, ehm, andiamo al fiume.", "ehm,"),
])
def test_each_language_has_its_own_fillers(language, said, gone):
    text, removed = _clean(said, language)
    assert removed == [gone] and gone.strip(",") not in text.split()


def test_word_timings_follow_the_kept_words_and_a_clean_segment_is_untouched():
    tr = _tr("Um, the river is, uh, long.", "The valley is deep.")
    done = condense(tr)
    seg = done.transcript.segments[0]
    assert [w.text.strip() for w in seg.words] == ["The", "river", "is", "long."]
    assert [w.start for w in seg.words] == [tr.segments[0].words[k].start for k in (1, 2, 3, 5)]
    assert done.transcript.segments[1] is tr.segments[1] and done.removed == {0: ["Um,", "uh,"]}
    assert tr.segments[0].text == " Um, the river is, uh, long."  # the transcript itself stays verbatim


def _srt_text(path) -> list[str]:
    return [e.plaintext.replace("\n", " ") for e in pysubs2.load(str(path), encoding="utf-8")]


def test_verbatim_captions_show_todays_text_word_for_word_and_clean_ones_list_what_went(tmp_path):
    tr = _tr("Um, so, uh, the river, you know, is long and the the valley is deep.", "I I think we should, uh, go now.", step=0.25)
    (tmp_path / "v").mkdir(), (tmp_path / "c").mkdir()
    outputs.write_captions(tr, tmp_path / "v", style={"verbatim": True})
    today = [c.text.replace("\n", " ") for c in captions.make_cues(tr)]  # the cues as made from the verbatim transcript
    assert _srt_text(tmp_path / "v" / "captions.en.srt") == today
    assert " ".join(today).split() == " ".join(s.text for s in tr.segments).split()
    outputs.write_captions(tr, tmp_path / "c")
    clean = " ".join(_srt_text(tmp_path / "c" / "captions.en.srt"))
    assert "Um" not in clean and "uh" not in clean.split() and "you know" not in clean and "the the" not in clean
    assert "river" in clean and "valley is deep" in clean and "go now" in clean
    qc = json.loads((tmp_path / "c" / "captions.en.qc.json").read_text())
    assert qc["words_condensed"] == 7 and qc["condensed"][1] == {"id": 1, "removed": ["I", "uh,"]}
    assert json.loads((tmp_path / "v" / "captions.en.qc.json").read_text())["words_condensed"] == 0


def test_translation_reads_the_condensed_source_and_verbatim_translates_todays_text():
    tr = _tr("Um, the river is, uh, very long.", "The valley is deep.")
    engine = mt.select_engine("en", "pt")
    verbatim = translate(tr, "pt", LocalizeOptions(targets=["pt"], verbatim=True))
    assert [s.text for s in verbatim.segments] == engine.translate([s.text for s in tr.segments], "en", "pt")
    assert all(s.condensed is None for s in verbatim.segments)
    clean = translate(tr, "pt", LocalizeOptions(targets=["pt"]))
    assert clean.segments[0].source_text == "The river is very long." and clean.segments[0].condensed == ["Um,", "uh,"]
    assert clean.segments[0].text == engine.translate(["The river is very long."], "en", "pt")[0]
    assert clean.segments[1].text == verbatim.segments[1].text and clean.segments[1].condensed is None


def test_reading_norms_are_a_table_with_a_childrens_profile():
    assert (reading_norm("en").cps, reading_norm("en").line_chars) == (20, 42)
    assert (reading_norm("pt-BR").cps, reading_norm("ja").cps, reading_norm("ja").line_chars, reading_norm("ko").line_chars) == (17, 4, 13, 16)
    assert (reading_norm("zh").cps, reading_norm("hi").cps, reading_norm("th").line_chars, reading_norm("sv").cps) == (9, 22, 35, 17)
    assert reading_norm("en", "children").cps == 17 and reading_norm("pt", "children").cps == 13 and reading_norm("ja", "children").cps == 4
    assert captions.norms_for("ja").max_line_chars == 13 and captions.norms_for("en", profile="children").max_cps == 17
    with pytest.raises(ValueError, match="reading profile"):
        reading_norm("en", "toddler")


def test_childrens_captions_stay_up_longer(tmp_path):
    # short lines with silence after them: each cue stays up for the profile's reading speed
    tr = _tr("The river runs to the sea.", "Rain falls on the hills every day.", step=0.2)
    for profile in ("adult", "children"):
        (tmp_path / profile).mkdir()
        outputs.write_captions(tr, tmp_path / profile, style={"profile": profile})
    adult, children = (list(pysubs2.load(str(tmp_path / p / "captions.en.srt"))) for p in ("adult", "children"))
    for a, c in zip(adult, children):
        assert len(c.plaintext) / ((c.end - c.start) / 1000) <= 17 + 1e-6
        assert c.end - c.start >= a.end - a.start


def test_new_options_join_only_the_keys_of_the_stages_they_change():
    base = LocalizeOptions()
    for name, value, changed in (("verbatim", True, {"translate", "synthesize", "captions"}), ("max_speedup", 1.2, {"synthesize"}),
                                 ("reading_profile", "children", {"captions"})):
        other = LocalizeOptions(**{name: value})
        for stage in ("transcribe", "diarize", "translate", "synthesize", "captions"):
            assert (settings_for(stage, base) != settings_for(stage, other)) == (stage in changed), (name, stage)
    # the captions stage's key holds them (with the glossary terms clean verbatim keeps)
    tr = _tr("Um, the river.")
    keys = {outputs.OutputsStage.key_of({"transcript": tr, "folder": Path("a"), "style": outputs.caption_style(o, "en")}) for o in
            (base, LocalizeOptions(verbatim=True), LocalizeOptions(reading_profile="children"), LocalizeOptions(max_speedup=1.2))}
    assert len(keys) == 3
