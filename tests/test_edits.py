"""Reviewer edits of a translated transcript survive the next run (lingoflow/captions/edits.py)."""
import json
import os
import time

import pytest

from lingoflow.captions import cues as captions, edits
from lingoflow.errors import InputError
from lingoflow.schema import Segment, SourceInfo, TermUse, Transcript

from .cuefiles import write_cue_files


def _source() -> Transcript:
    segs = [
        Segment(0, 0.0, 2.0, "Good morning.", language="en"),
        Segment(1, 2.5, 5.0, "A delta is land where a river meets the sea.", language="en"),
        Segment(2, 5.5, 8.0, "Thank you.", language="en"),
    ]
    return Transcript(SourceInfo("x.wav", "0" * 64, 8.0), "en", 1.0, segs)


def _machine(texts=("Bom dia.", "Um delta é a terra onde um rio encontra o mar.", "Obrigado.")) -> Transcript:
    return _source().translated("pt", list(texts))


def _write(folder, transcript: Transcript) -> None:
    (folder / "transcript.pt.json").write_text(json.dumps(transcript.to_dict(), ensure_ascii=False))


def test_machine_text_is_recorded_and_round_trips():
    t = _machine()
    d = t.to_dict()
    assert d["segments"][1]["machine_text"] == "Um delta é a terra onde um rio encontra o mar."
    assert "edited" not in d["segments"][1] and "machine_text" not in _source().to_dict()["segments"][0]
    assert Transcript.from_dict(d).segments[1].machine_text == d["segments"][1]["machine_text"]


def test_no_previous_file_gives_the_machine_translation(tmp_path):
    machine = _machine()
    assert edits.keep_edits(machine, tmp_path) == machine


def test_edited_segment_is_kept_and_marked_others_follow_the_new_machine_text(tmp_path):
    previous = _machine()
    previous.segments[1].text = "Um delta é a planície onde o rio chega ao mar."
    _write(tmp_path, previous)
    fresh = _machine(("Bom dia!", "Um delta é a terra onde um rio encontra o mar.", "Muito obrigado."))
    merged = edits.keep_edits(fresh, tmp_path)
    assert [s.text for s in merged.segments] == ["Bom dia!", "Um delta é a planície onde o rio chega ao mar.", "Muito obrigado."]
    assert [bool(s.edited) for s in merged.segments] == [False, True, False]
    # the new machine text is recorded, so reverting the edit later is seen as "not edited"
    assert merged.segments[1].machine_text == "Um delta é a terra onde um rio encontra o mar."


def test_whitespace_only_change_is_not_an_edit(tmp_path):
    previous = _machine()
    previous.segments[0].text = "  Bom   dia. "
    _write(tmp_path, previous)
    assert not any(s.edited for s in edits.keep_edits(_machine(), tmp_path).segments)


def test_edit_is_dropped_when_its_source_segment_changed(tmp_path):
    previous = _machine()
    previous.segments[2].text = "Valeu."
    _write(tmp_path, previous)
    source = _source()
    source.segments[2].text = "Thanks a lot."
    fresh = source.translated("pt", ["Bom dia.", "Um delta é a terra onde um rio encontra o mar.", "Muito obrigado."])
    merged = edits.keep_edits(fresh, tmp_path)
    assert merged.segments[2].text == "Muito obrigado." and not merged.segments[2].edited


def test_damaged_edited_file_is_a_clear_input_error(tmp_path):
    (tmp_path / "transcript.pt.json").write_text('{"schema": "lingoflow.transcript/1", "segments": [')
    with pytest.raises(InputError) as err:
        edits.keep_edits(_machine(), tmp_path)
    assert "transcript.pt.json" in str(err.value) and "edited transcript" in str(err.value)


def _write_srt(folder, transcript: Transcript) -> None:
    cues = captions.make_cues(transcript)
    write_cue_files(cues, folder / "captions.pt.srt", folder / "captions.pt.vtt")


def test_srt_edit_newer_than_the_json_is_mapped_back_to_its_segment(tmp_path):
    previous = _machine()
    _write(tmp_path, previous)
    _write_srt(tmp_path, previous)
    srt = tmp_path / "captions.pt.srt"
    text = srt.read_text(encoding="utf-8")
    assert "Obrigado." in text
    srt.write_text(text.replace("Obrigado.", "Muito obrigada."), encoding="utf-8")
    later = time.time() + 5
    os.utime(srt, (later, later))
    merged = edits.keep_edits(_machine(), tmp_path)
    assert merged.segments[2].text == "Muito obrigada." and merged.segments[2].edited
    assert not merged.segments[0].edited and not merged.segments[1].edited  # multi-line cues read back unchanged


def test_untouched_srt_and_edited_json_keep_the_json_text(tmp_path):
    previous = _machine()
    _write_srt(tmp_path, previous)  # written by the last run, then the reviewer edits the JSON
    previous.segments[0].text = "Olá, bom dia."
    _write(tmp_path, previous)
    later = time.time() + 5
    os.utime(tmp_path / "transcript.pt.json", (later, later))
    merged = edits.keep_edits(_machine(), tmp_path)
    assert merged.segments[0].text == "Olá, bom dia." and [bool(s.edited) for s in merged.segments] == [True, False, False]


def _late_cues() -> Transcript:
    """Three segments where the translation of segment 1 runs long for its 1.3 s: its first cue
    needs more reading time than the speech gives, so its second cue starts after the segment ends."""
    segs = [
        Segment(0, 0.0, 5.38, "The quiz checks the main ideas.", language="en"),
        Segment(1, 6.32, 7.6, "If you miss a question, the library shows the part to review.", language="en"),
        Segment(2, 11.44, 15.86, "Rivers begin as small streams high in the mountains.", language="en"),
    ]
    src = Transcript(SourceInfo("x.wav", "0" * 64, 16.0), "en", 1.0, segs)
    return src.translated("pt", [
        "O questionário verifica que você entendeu as ideias principais, não que você se lembra de cada detalhe.",
        "Se você perder uma pergunta, a biblioteca do curso mostra a parte da aula que você precisa rever, "
        "e você pode voltar a ela para revisar.",
        "Os rios começam como pequenos córregos não alto das montanhas, fernite e neve derretida.",
    ])


def test_untouched_srt_written_after_the_json_changes_nothing_even_when_cues_run_late(tmp_path):
    previous = _late_cues()
    cues = captions.make_cues(previous)
    late = [c for c in cues if c.segment == 1 and c.start >= previous.segments[1].end]
    assert late, "the case needs a cue that starts after its segment's end"
    _write(tmp_path, previous)
    _write_srt(tmp_path, previous)
    later = time.time() + 5
    os.utime(tmp_path / "captions.pt.srt", (later, later))  # the SRT is always written after the JSON
    merged = edits.keep_edits(_late_cues(), tmp_path)
    assert [s.text for s in merged.segments] == [s.text for s in previous.segments]
    assert not any(s.edited for s in merged.segments)


def test_srt_edit_of_a_late_cue_goes_to_its_own_segment(tmp_path):
    previous = _late_cues()
    _write(tmp_path, previous)
    _write_srt(tmp_path, previous)
    srt = tmp_path / "captions.pt.srt"
    srt.write_text(srt.read_text(encoding="utf-8").replace("revisar.", "rever."), encoding="utf-8")
    later = time.time() + 5
    os.utime(srt, (later, later))
    merged = edits.keep_edits(_late_cues(), tmp_path)
    assert [bool(s.edited) for s in merged.segments] == [False, True, False]
    assert merged.segments[1].text.endswith("para rever.") and merged.segments[2].text == previous.segments[2].text


def test_srt_with_a_cue_split_in_two_is_mapped_by_time(tmp_path):
    previous = _late_cues()
    _write(tmp_path, previous)
    _write_srt(tmp_path, previous)
    import pysubs2

    srt = tmp_path / "captions.pt.srt"
    subs = pysubs2.load(str(srt), encoding="utf-8")
    first = subs[0]
    half = pysubs2.SSAEvent(start=(first.start + first.end) // 2, end=first.end, text="cada detalhe importante.")
    first.end, first.text = half.start, "O questionário verifica as ideias principais, não"
    subs.insert(1, half)
    subs.save(str(srt), encoding="utf-8", format_="srt")
    later = time.time() + 5
    os.utime(srt, (later, later))
    merged = edits.keep_edits(_late_cues(), tmp_path)
    assert [bool(s.edited) for s in merged.segments] == [True, False, False]
    assert merged.segments[0].text.startswith("O questionário verifica as ideias principais, não cada detalhe importante.")


def test_fingerprint_changes_with_an_edit_and_is_stable_once_the_run_rewrote_the_files(tmp_path):
    assert edits.fingerprint(tmp_path, "pt") == ""  # nothing there yet
    previous = _machine()
    _write(tmp_path, previous)
    _write_srt(tmp_path, previous)
    assert edits.fingerprint(tmp_path, "pt") == ""  # lingoflow's own output: no edit
    previous.segments[1].text = "Um delta é a planície onde o rio chega ao mar."
    _write(tmp_path, previous)
    later = time.time() + 5
    os.utime(tmp_path / "transcript.pt.json", (later, later))
    edited = edits.fingerprint(tmp_path, "pt")
    assert edited
    # the next run writes the merged translation and its captions: same edit, same digest
    merged = edits.keep_edits(_machine(), tmp_path)
    _write(tmp_path, merged)
    _write_srt(tmp_path, merged)
    later += 5
    os.utime(tmp_path / "captions.pt.srt", (later, later))
    assert edits.fingerprint(tmp_path, "pt") == edited
    merged.segments[1].text = merged.segments[1].machine_text  # the reviewer undoes the edit
    _write(tmp_path, merged)
    os.utime(tmp_path / "transcript.pt.json", (later + 5, later + 5))
    assert edits.fingerprint(tmp_path, "pt") == ""


def test_a_segment_text_that_is_not_a_string_is_a_clear_input_error(tmp_path):
    doc = _machine().to_dict()
    doc["segments"][2]["text"] = None
    (tmp_path / "transcript.pt.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match=r"transcript\.pt\.json: segment 2: \"text\" must be a string"):
        edits.keep_edits(_machine(), tmp_path)


def test_an_emptied_segment_is_an_edit_that_silences_it(tmp_path):
    previous = _machine()
    previous.segments[0].text = ""
    _write(tmp_path, previous)
    merged = edits.keep_edits(_machine(), tmp_path)
    assert merged.segments[0].text == "" and merged.segments[0].edited


def test_glossary_terms_of_an_edited_segment_are_checked_against_the_reviewers_text(tmp_path):
    source = _source()
    uses = [[], [TermUse("delta", "delta", True), TermUse("river", "rio", True)], []]
    machine = source.translated("pt", ["Bom dia.", "Um delta é a terra onde um rio encontra o mar.", "Obrigado."], uses)
    previous = source.translated("pt", ["Bom dia.", "Um delta é a terra onde um rio encontra o mar.", "Obrigado."], uses)
    previous.segments[1].text = "Um delta é a terra onde a corrente encontra o mar."
    _write(tmp_path, previous)
    merged = edits.keep_edits(machine, tmp_path)
    assert merged.segments[1].glossary == [TermUse("delta", "delta", True), TermUse("river", "rio", False)]
