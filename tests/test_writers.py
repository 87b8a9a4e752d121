"""The writer registry (issues 19 and 21): every format parses back as its own format, with the
cues captions.make_cues made (text, times, norms)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pysubs2
import pytest

from lingoflow.captions import cues as captions, writers
from lingoflow.errors import ConfigError
from lingoflow.schema import Segment, SourceInfo, Transcript, Word

LONG = ("In this lesson we look at the way rivers carry sediment from the mountains to the sea, "
        "and how over thousands of years that sediment builds the wide flat plains where most people live today.")
PT = ("Nesta lição vemos como os rios levam sedimentos das montanhas até o mar, e como ao longo de milhares "
      "de anos esse sedimento constrói as planícies largas onde a maioria das pessoas vive hoje.")
TT = "{http://www.w3.org/ns/ttml}"


def _transcript() -> Transcript:
    words = [Word(0.5 + i * 0.3, 0.5 + i * 0.3 + 0.25, w) for i, w in enumerate(LONG.split())]
    segs = [Segment(0, 0.5, words[-1].end, LONG, speaker="S1", words=words),
            Segment(1, 14.0, 15.2, "Next <b>week</b>: {deltas} & more.", speaker="S2",
                    words=[Word(14.0 + i * 0.3, 14.25 + i * 0.3, w) for i, w in enumerate("Next <b>week</b>: {deltas} & more.".split())])]
    return Transcript(SourceInfo("x", "0" * 64, 20.0), "en", 1.0, segs)


def _norms_hold(events):
    """The cue norms, on what a parser reads back: 2 lines of 42, 5/6-7 s, 17 cps, no overlap."""
    for e in events:
        lines = e.plaintext.split("\n")
        seconds = (e.end - e.start) / 1000
        assert len(lines) <= 2 and all(len(line) <= 42 for line in lines), e.plaintext
        assert 5 / 6 - 1e-6 <= seconds <= 7.0 + 1e-6
        assert sum(map(len, lines)) / seconds <= 17.0 + 1e-6
    for a, b in zip(events, events[1:]):
        assert a.end <= b.start


def test_registry_names_suffixes_and_formats_option():
    assert writers.FORMATS == ("srt", "vtt")
    for name, suffix in [("json", ".json"), ("txt", ".txt"), ("srt", ".srt"), ("vtt", ".vtt"), ("ass", ".ass"), ("ttml", ".ttml")]:
        w = writers.get_writer(name)
        assert (w.name, w.suffix) == (name, suffix)
    assert writers.parse_formats("srt,vtt,ass,ttml,bilingual") == ("srt", "vtt", "ass", "ttml", "bilingual")
    assert writers.parse_formats(["TTML", "vtt,ttml"]) == ("srt", "vtt", "ttml")  # SRT always: the container reads it
    with pytest.raises(ConfigError, match="'docx'.*formats: srt, vtt, ass, ttml, bilingual"):
        writers.parse_formats("srt,docx")
    with pytest.raises(ConfigError, match="unknown output format 'pdf'"):
        writers.get_writer("pdf")


def test_every_format_is_written_atomically_and_only_where_it_applies(tmp_path):
    t = _transcript()
    written = writers.write(t, tmp_path, [*writers.TRANSCRIPT_FORMATS, *writers.CAPTION_FORMATS])
    assert [p.name for p in written] == ["transcript.json", "transcript.txt", "captions.en.srt", "captions.en.vtt",
                                         "captions.en.ass", "captions.en.ttml"]  # no bilingual file for the source
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)  # no temporaries left
    assert Transcript.from_dict(__import__("json").loads((tmp_path / "transcript.json").read_text())) == t


def test_ass_parses_back_with_the_cues_and_keeps_the_norms(tmp_path):
    t = _transcript()
    cues = captions.make_cues(t)
    (path,) = writers.write_captions(t, tmp_path, ["ass"])
    subs = pysubs2.load(str(path))
    assert subs.format == "ass" and len(subs) == len(cues) and len(cues) >= 3
    style = subs.styles["Default"]
    assert style.fontname == "DejaVu Sans" and style.alignment == pysubs2.Alignment.BOTTOM_CENTER and style.outline > 0
    for event, cue in zip(subs, cues):
        assert event.plaintext == cue.text and event.name == cue.speaker
        assert abs(event.start / 1000 - cue.start) <= 0.005 and -0.001 <= event.end / 1000 - cue.end <= 0.01
    _norms_hold(subs)
    assert "{" not in subs[-1].text  # '{...}' from the text would be an override block: shown as '(...)'


def test_ttml_is_ebu_tt_d_with_the_srt_timings(tmp_path):
    t = _transcript()
    srt, ttml = writers.write_captions(t, tmp_path, ["srt", "ttml"])
    root = ET.parse(ttml).getroot()
    assert root.tag == f"{TT}tt"
    assert root.get("{http://www.w3.org/ns/ttml#parameter}timeBase") == "media"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    conforms = root.find(f"{TT}head/{TT}metadata/{{urn:ebu:tt:metadata}}documentMetadata/{{urn:ebu:tt:metadata}}conformsToStandard")
    assert conforms.text.startswith("urn:ebu:tt:distribution:")
    regions = {r.get("{http://www.w3.org/XML/1998/namespace}id") for r in root.iter(f"{TT}region")}
    styles = {s.get("{http://www.w3.org/XML/1998/namespace}id") for s in root.iter(f"{TT}style")}
    paragraphs = list(root.iter(f"{TT}p"))
    events = pysubs2.load(str(srt))
    assert len(paragraphs) == len(events)

    def ms(clock):
        h, m, s = clock.split(":")
        return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)

    for p, e in zip(paragraphs, events):
        assert (ms(p.get("begin")), ms(p.get("end"))) == (e.start, e.end)
        assert p.get("region") in regions and p.get("style") in styles
        assert "\n".join(s.text for s in p.iter(f"{TT}span")) == e.plaintext
        assert p.text is None and all((c.tail or "") == "" for c in p)  # no stray whitespace shown


def test_bilingual_puts_the_source_over_the_translation_in_step(tmp_path):
    source = _transcript()
    translation = source.translated("pt", [PT, "Semana que vem: deltas e mais."])
    assert writers.write_captions(translation, tmp_path, ["bilingual"]) == []  # without the source's language: not a pair
    srt, vtt = writers.write_captions(translation, tmp_path, ["bilingual"], ".pt", source=source)
    assert (srt.name, vtt.name) == ("captions.en-pt.srt", "captions.en-pt.vtt")
    target = captions.make_cues(translation, source=source)  # a translation's cues follow its source's speech
    for path in (srt, vtt):
        subs = pysubs2.load(str(path))
        assert [(e.start, e.end) for e in subs] == [(round(c.start * 1000), round(c.end * 1000)) for c in target]
        shown = [e.plaintext.split("\n") for e in subs]
        for lines, cue in zip(shown, target):
            assert lines[-len(cue.lines):] == cue.lines  # the translation below
            assert all(len(line) <= 42 for line in lines)
        first_segment = [lines[: len(lines) - len(cue.lines)] for lines, cue in zip(shown, target) if cue.segment == 0]
        assert len(first_segment) >= 2 and all(first_segment)
        assert " ".join(" ".join(s) for s in first_segment) == LONG  # every source word, once, in order
        # in step: the first cue's source part starts the sentence, the last ends it
        assert first_segment[0][0].startswith("In this lesson") and first_segment[-1][-1].endswith("live today.")


def test_split_words_follows_the_weights():
    from lingoflow.captions.writers.bilingual import split_words

    assert split_words("a bb ccc dddd", [1]) == ["a bb ccc dddd"]
    assert split_words("one two three four five six", [1, 1]) == ["one two three", "four five six"]
    assert split_words("", [3, 2]) == ["", ""]
    assert split_words("solo", [1, 1, 1]).count("solo") == 1


def test_deployment_runs_choose_formats_as_the_cli_does():
    from lingoflow.flows.deployments import build_options

    assert build_options(["pt"], "en", "tiny.en", None, None, "srt,ass").formats == ["srt", "ass"]
    assert build_options(["pt"], "en", "tiny.en", None, None, ["ttml"]).formats == ["srt", "ttml"]  # SRT always
    with pytest.raises(ConfigError, match="unknown output format 'docx'"):
        build_options(["pt"], "en", "tiny.en", None, None, "srt,docx")
