"""Shorter translations where the slot is short: the shortest of CTranslate2's n-best that keeps every
glossary term and number (mt/shorter.py), on the tiny Marian model the tests build (MODELS.md); and
for every engine (Bergamot too) the line translated again without the words a subtitler drops next,
then, where still too long, worded shorter on the target side (condense.compact)."""
from pathlib import Path

import pytest

from lingoflow import glossary, mt
from lingoflow.pipeline.translate import translate
from lingoflow.config import LocalizeOptions
from lingoflow.mt.condense import compact, tighten
from lingoflow.mt.shorter import shorten, too_long
from lingoflow.schema import Segment, SourceInfo, Transcript

GLOSSARY = Path(__file__).parent / "data" / "glossary-en-pt.yaml"
TEXTS = ["The student opens the course library today.", "Our teacher reviews every chapter with care.", "Take the quiz on Monday 12 times.",
         "My friend saves a short video again.", "The team starts the final exam before lunch."]


def test_ctranslate2_gives_n_best_and_the_first_is_its_translation(tiny_marian):
    engine = mt.select_engine("en", "pt", "ctranslate2", [f"en-pt={tiny_marian}"])
    alts = engine.alternatives(TEXTS + [""], "en", "pt", 4)
    assert [len(a) for a in alts] == [4] * len(TEXTS) + [0]
    assert [a[0] for a in alts[:-1]] == engine.translate(TEXTS, "en", "pt")


def test_a_short_slot_gets_the_shortest_alternative_that_keeps_terms_and_numbers(tiny_marian):
    engine = mt.select_engine("en", "pt", "ctranslate2", [f"en-pt={tiny_marian}"])
    g = glossary.load([GLOSSARY])
    first = mt.constrained.translate(engine, TEXTS, "en", "pt", g)
    roomy = shorten(engine, TEXTS, first, [60.0] * len(TEXTS), "en", "pt", g)
    assert [r.text for r in roomy] == [r.text for r in first]  # slots long enough: nothing changes
    tight = shorten(engine, TEXTS, first, [0.2] * len(TEXTS), "en", "pt", g)
    alts = engine.alternatives(TEXTS, "en", "pt", 4)
    for text, before, after, options in zip(TEXTS, first, tight, alts):
        assert len(after.text) <= len(before.text)
        assert [u.honored for u in after.terms] == [True] * len(before.terms) and len(after.terms) == len(before.terms)
        if after.text != before.text:
            assert after.method == "shorter" and ("12" in after.text) == ("12" in text)
    # without terms to keep, the shortest alternative with the source's numbers is taken
    plain = mt.constrained.translate(engine, TEXTS, "en", "pt", None)
    short = shorten(engine, TEXTS, plain, [0.2] * len(TEXTS), "en", "pt", None)
    for text, before, after, options in zip(TEXTS, plain, short, alts):
        valid = [a for a in options if ("12" in a) == ("12" in text) and len(a) < len(before.text)]
        assert after.text == (min(valid, key=len) if valid else before.text)  # none valid and shorter: kept
    assert any(a.text != b.text for a, b in zip(short, plain))  # the random model's beams differ in length


def test_the_translate_stage_shortens_only_segments_whose_slot_is_short(tiny_marian):
    segs = [Segment(0, 0.0, 0.3, TEXTS[0]), Segment(1, 1.0, 30.0, TEXTS[1])]
    tr = Transcript(SourceInfo("x", "0" * 64, 31.0), "en", 1.0, segs)
    opts = LocalizeOptions(targets=["pt"], mt_engine="ctranslate2", mt_model=[f"en-pt={tiny_marian}"])
    out = translate(tr, "pt", opts)
    engine = mt.select_engine("en", "pt", "ctranslate2", [f"en-pt={tiny_marian}"])
    best = engine.translate(TEXTS[:2], "en", "pt")
    assert out.segments[1].text == best[1]
    assert len(out.segments[0].text) <= len(best[0]) and out.segments[0].text in engine.alternatives([TEXTS[0]], "en", "pt", 4)[0]
    assert too_long(best[0], 0.3, "pt") and not too_long(best[1], 29.0, "pt")


@pytest.mark.parametrize("said, shown, gone", [
    ("So they really left early.", "They left early.", ["So", "really"]),
    ("Actually, it works. So, we ship it.", "It works. We ship it.", ["Actually,", "So,"]),
    ("I'm not really sure, so I left.", "I'm not really sure, so I left.", []),  # negation; "so" joins cause and effect
    ("So far it costs really 20 euros.", "So far it costs really 20 euros.", []),  # "so far"; said of a number
    ("Really?", "Really?", []),  # a question of its own
    ("Oh.", "Oh.", []),  # the whole line
    ("So Lisbon really wins.", "Lisbon wins.", ["So", "really"]),
])
def test_a_tight_line_loses_only_the_words_a_subtitler_drops_next(said, shown, gone):
    assert tighten(said, "en") == (shown, gone)
    assert tighten("The wizard really left.", "en", ["really left"]) == ("The wizard really left.", [])  # a glossary term


def test_bergamot_lines_too_long_for_their_slot_are_translated_again_without_optional_words():
    """Bergamot gives one translation a line: the tightened source is its shorter candidate, listed as
    condensed; a roomy slot and --verbatim keep every word."""
    long_line = "But I don't think there's anything else we can do really."
    segs = [Segment(0, 0.0, 1.5, long_line), Segment(1, 5.0, 30.0, long_line)]
    tr = Transcript(SourceInfo("x", "0" * 64, 31.0), "en", 1.0, segs)
    tight, roomy = translate(tr, "pt", LocalizeOptions(targets=["pt"])).segments
    assert "realmente" in roomy.text.lower() and not roomy.condensed
    assert "realmente" not in tight.text.lower() and len(tight.text) < len(roomy.text)
    assert tight.condensed == ["really."]
    verbatim = translate(tr, "pt", LocalizeOptions(targets=["pt"], verbatim=True)).segments[0]
    assert verbatim.text == roomy.text and not verbatim.condensed


@pytest.mark.parametrize("lang, text, shorter, gone", [
    # a subject pronoun said again after a conjunction: the verb carries it
    ("pt", "Ele poderia ir se ele quiser.", "Ele podia ir se quiser.", ["ele", "poderia -> podia"]),
    ("pt", "Ele comeu e ele bebeu. E ele dormiu.", "Ele comeu e bebeu. E ele dormiu.", ["ele"]),  # a new sentence starts afresh
    ("pt", "Eu vi ele e ele riu.", "Eu vi ele e ele riu.", []),  # the first "ele" is an object: not the same subject
    ("pt", "Ele disse que ele viu o homem.", "Ele disse que ele viu o homem.", []),  # "que ele viu" is not "who saw"
    ("es", "Él dijo que si él viene, sin embargo, no.", "Él dijo que si viene, sin embargo, no.", ["él"]),  # "pero" only opens a sentence
    ("pt", "Ele, no entanto, saiu. No entanto, voltou.", "Ele, no entanto, saiu. Mas voltou.", ["No entanto -> Mas"]),
    # a shorter wording of the same meaning, its capital and punctuation kept; a conjunction loses the comma
    ("pt", "No entanto, ela chegou novamente.", "Mas ela chegou de novo.", ["No entanto -> Mas", "novamente -> de novo"]),
    ("pt", "Portanto, ele disse.", "Então, ele disse.", ["Portanto -> Então"]),
    ("en", "We did it in order to win.", "We did it to win.", ["in order to -> to"]),
    # names, numbers and negations are never touched; nothing to do leaves the text as it is
    ("pt", "Ele não poderia vir em 2020 se ele quisesse.", "Ele não podia vir em 2020 se quisesse.", ["ele", "poderia -> podia"]),
    ("pt", "A Apenas Filmes chegou.", "A Apenas Filmes chegou.", []),
    ("de", "Er kam ungefähr um 5.", "Er kam etwa um 5.", ["ungefähr -> etwa"]),
    ("fr", "Il est parti.", "Il est parti.", []),
])
def test_a_translation_still_too_long_is_worded_shorter_as_a_subtitler_would(lang, text, shorter, gone):
    assert compact(text, lang) == (shorter, gone)


def test_compact_never_touches_a_glossary_term():
    assert compact("Ele poderia ir novamente.", "pt", ["poderia"]) == ("Ele poderia ir de novo.", ["novamente -> de novo"])


def test_bergamot_line_still_too_long_is_worded_shorter_and_verbatim_keeps_it():
    """A 5 s line of fast read speech: Bergamot's Portuguese needs 23 characters a second; the line
    is worded shorter (what changed is listed and is in the texts); --verbatim keeps Bergamot's words."""
    line = "He could rise if he seemed to complain against the wizard who would vanish behind the curtain on the left."
    tr = Transcript(SourceInfo("x", "0" * 64, 5.0), "en", 1.0, [Segment(0, 0.0, 5.0, line)])
    tight = translate(tr, "pt", LocalizeOptions(targets=["pt"])).segments[0]
    verbatim = translate(tr, "pt", LocalizeOptions(targets=["pt"], verbatim=True)).segments[0]
    assert len(tight.text) < len(verbatim.text) and tight.condensed and not verbatim.condensed
    for change in tight.condensed:
        said, _, short = change.partition(" -> ")
        assert said.casefold() in verbatim.text.casefold()
        assert not short or short.casefold() in tight.text.casefold()
