"""Glossary files: format, validation errors (file, line, cause), merging, matching; enforcement
with the default engine (Bergamot) and what a translated segment records."""
import json

import pytest

from lingoflow import glossary, mt
from lingoflow.pipeline.checks import check_targets
from lingoflow.pipeline.translate import glossary_summary, translate
from lingoflow.config import LocalizeOptions
from lingoflow.errors import ConfigError
from lingoflow.schema import Segment, SourceInfo, Transcript

from .glossary_set import GLOSSARY, contains



def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _terms(g, text, target="pt"):
    return [(text[s:e], t.source) for s, e, t in g.find(text, "en", target)]


def test_matching_is_case_insensitive_whole_word_longest_first():
    g = glossary.load([GLOSSARY])
    text = "Course library: each COURSE has a quiz; quizzes and the course   library badge-holders."
    assert _terms(g, text) == [
        ("Course library", "course library"), ("COURSE", "course"), ("quiz", "quiz"),
        ("course   library", "course library"), ("badge", "badge"),
    ]
    assert g.find("Moodle and moodle.", "en", "fr") == [(0, 6, g.by_language["en"]["moodle"]), (11, 17, g.by_language["en"]["moodle"])]
    assert g.find("a quiz", "pt", "en") == []  # written in English only


def test_later_file_overrides_term_per_language_and_names(tmp_path):
    a = _write(tmp_path, "a.yaml", "source_language: en\nterms:\n  quiz: {pt: teste, es: cuestionario}\n  canvas: {pt: tela}\n")
    b = _write(tmp_path, "b.yaml", "source_language: en\nterms:\n  Quiz: {pt: questionário}\ndo_not_translate: [Canvas]\n")
    g = glossary.load([a, b])
    quiz = g.by_language["en"]["quiz"]
    assert quiz.targets == {"pt": "questionário", "es": "cuestionario"} and quiz.source == "Quiz"
    canvas = g.by_language["en"]["canvas"]
    assert canvas.keep and canvas.target("pt") == "Canvas"
    assert glossary.load([b, a]).by_language["en"]["quiz"].target("pt") == "teste"
    hot = g.hotwords("en")
    assert hot.index("Canvas") < hot.index("Quiz")


@pytest.mark.parametrize("text,line,cause", [
    ("source_language: en\nterms:\n  quiz: {pt: questionário\n", 4, "invalid YAML"),
    ("source_language: en\nterms:\n  quiz: {pt: questionário}\nsynonyms: [x]\n", 4, "unknown field 'synonyms'"),
    ("source_language: en\nterms:\n  quiz: {pt: ''}\n", 3, "translation must be non-empty"),
    ("source_language: en\nterms:\n  quiz: questionário\n", 3, "needs a mapping of languages"),
    ("source_language: en\nterms:\n  quiz: {xx: questionário}\n", 3, "unknown language code 'xx'"),
    ("source_language: klingon\nterms: {}\n", 1, "unknown language code"),
    ("terms:\n  quiz: {pt: questionário}\n", 1, "missing field 'source_language'"),
    ("source_language: en\nterms:\n  quiz: {pt: a}\n  Quiz: {pt: b}\n", 4, "'Quiz' is given twice"),
    ("source_language: en\ndo_not_translate: [Moodle, '']\n", 2, "non-empty text"),
    ("- just\n- a list\n", 1, "a glossary is a mapping"),
])
def test_invalid_file_names_file_line_and_cause(tmp_path, text, line, cause):
    path = _write(tmp_path, "bad.yaml", text)
    with pytest.raises(ConfigError) as err:
        glossary.load([path])
    message = str(err.value)
    assert message.startswith(f"{path}, line {line}:"), message
    assert cause in message


def test_missing_file_and_unsafe_yaml_rejected(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml: glossary file not found"):
        glossary.load([tmp_path / "nope.yaml"])
    evil = _write(tmp_path, "evil.yaml", "source_language: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ConfigError, match="evil.yaml, line 1: invalid YAML"):
        glossary.load([evil])


def test_invalid_glossary_fails_check_before_any_audio(tmp_path):
    bad = _write(tmp_path, "bad.yaml", "source_language: en\nterms:\n  quiz: [questionário]\n")
    with pytest.raises(ConfigError, match=r"bad.yaml, line 3"):
        check_targets(LocalizeOptions(targets=["pt"], glossaries=[str(bad)]))


def test_example_glossaries_load():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "glossaries"
    files = glossary.expand([str(folder)])
    assert files and all(f.endswith((".yaml", ".yml")) for f in files)
    g = glossary.load(files)
    assert len(g.terms("en", "pt")) >= 12


def test_bergamot_enforces_terms_names_and_sentence_start():
    g = glossary.load([GLOSSARY])
    engine = mt.select_engine("en", "pt")
    texts = ["Open the course library and take the quiz before Friday.", "Export the module to Moodle as a SCORM package.",
             "The grade book shows each assessment.", "The river is long."]
    plain = engine.translate(texts, "en", "pt")
    out = mt.constrained.translate(engine, texts, "en", "pt", g)
    for res, required in zip(out, [["acervo de cursos", "questionário"], ["módulo", "Moodle", "SCORM"], ["boletim de notas", "avaliação"], []]):
        assert all(contains(res.text, t) for t in required), res.text
        assert [u.target for u in res.terms] == required and all(u.honored for u in res.terms)
    assert out[3].text == plain[3] and out[3].terms == []
    assert "Moodle" in out[1].text and "SCORM" in out[1].text  # the glossary's spelling
    assert not contains(plain[0], "acervo de cursos")  # the engine alone says something else


def test_empty_glossary_changes_nothing(tmp_path):
    empty = glossary.load([_write(tmp_path, "empty.yaml", "source_language: en\nterms: {}\n")])
    engine = mt.select_engine("en", "pt")
    texts = ["Good morning, students.", "Take the quiz in the course library.", ""]
    assert [r.text for r in mt.constrained.translate(engine, texts, "en", "pt", empty)] == engine.translate(texts, "en", "pt")


def test_translated_segments_record_terms_and_report_sums(tmp_path):
    tr = Transcript(SourceInfo("x", "0" * 64, 9), "en", 1.0, [
        Segment(0, 0.0, 3.0, "Welcome to the course library."), Segment(1, 3.5, 6.0, "The river is long."),
        Segment(2, 6.5, 9.0, "Take the quiz, then take the quiz again."),
    ])
    out = translate(tr, "pt", LocalizeOptions(targets=["pt"], glossaries=[str(GLOSSARY)]))
    d = out.to_dict()
    assert d["segments"][0]["glossary"] == [{"term": "course library", "target": "acervo de cursos", "honored": True}]
    assert d["segments"][1]["glossary"] == []
    assert d["segments"][2]["glossary"] == [{"term": "quiz", "target": "questionário", "honored": True}]
    assert out.segments[2].text.lower().count("questionário") == 2
    assert [u.to_dict() for u in Transcript.from_dict(json.loads(json.dumps(d))).segments[0].glossary] == d["segments"][0]["glossary"]
    assert glossary_summary(out).to_dict() == {"applied": 2, "honored": 2, "missed": {}}
    plain = translate(tr, "pt", LocalizeOptions(targets=["pt"])).to_dict()
    assert "glossary" not in plain["segments"][0]  # no glossary given: the contract is unchanged


def test_nested_translations_are_not_counted_twice(tmp_path):
    from lingoflow.mt.constrained import _honored, _Plan

    g = glossary.load([_write(tmp_path, "n.yaml", "source_language: en\nterms:\n  library: {pt: biblioteca}\n"
                                                  "  course library: {pt: biblioteca de cursos}\n")])
    text = "The course library is not a library."
    plan = _Plan(text, g.find(text, "en", "pt"), "pt")
    assert _honored("A biblioteca de cursos não é uma biblioteca.", plan) == {"course library": True, "library": True}
    assert _honored("A biblioteca de cursos não é um acervo.", plan) == {"course library": True, "library": False}
