"""Reviewer edits of a translated transcript survive the next run (lingoflow/edits.py)."""
import json
import os
import time

import pytest

from lingoflow import captions, edits
from lingoflow.errors import InputError
from lingoflow.schema import Segment, SourceInfo, Transcript


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
    captions.write(cues, folder / "captions.pt.srt", folder / "captions.pt.vtt")


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
