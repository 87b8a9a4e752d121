"""Shorter translations where the slot is short: the shortest of CTranslate2's n-best that keeps every
glossary term and number (mt/shorter.py), on the tiny Marian model the tests build (MODELS.md)."""
from pathlib import Path

from lingoflow import glossary, mt
from lingoflow.pipeline.translate import translate
from lingoflow.config import LocalizeOptions
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
