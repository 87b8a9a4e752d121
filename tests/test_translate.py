import pytest

from lingoflow import mt
from lingoflow.pipeline.checks import check_targets
from lingoflow.pipeline.translate import translate
from lingoflow.config import LocalizeOptions
from lingoflow.errors import ConfigError, EngineUnavailable
from lingoflow.schema import Segment, SourceInfo, Transcript


def test_bergamot_en_pt_keeps_timings():
    tr = Transcript(SourceInfo("x", "0" * 64, 5), "en", 1.0, [Segment(0, 0.5, 2.0, "Good morning, students."), Segment(1, 2.5, 4.0, "The river is long.")])
    out = translate(tr, "pt", LocalizeOptions(targets=["pt"]))
    assert out.language == "pt"
    assert [(s.start, s.end) for s in out.segments] == [(0.5, 2.0), (2.5, 4.0)]
    assert out.segments[1].source_text == "The river is long."
    assert "rio" in out.segments[1].text.lower()
    assert out.to_dict()["segments"][0]["source_text"] == "Good morning, students."


def test_missing_pair_names_engine_and_pair():
    with pytest.raises(EngineUnavailable) as err:
        mt.select_engine("en", "de")
    assert "en->de" in str(err.value) and "bergamot" in str(err.value)
    with pytest.raises(EngineUnavailable):
        check_targets(LocalizeOptions(targets=["de"]))


def test_unknown_language_and_engine():
    with pytest.raises(Exception, match="unknown language code"):
        LocalizeOptions(targets=["xx"])
    with pytest.raises(ConfigError, match="unknown MT engine"):
        mt.select_engine("en", "pt", "nope")
