"""speakers.rttm: the diarizer's turns per file, standard RTTM (overlap kept), the transcript's
labels, listed in report.json; end to end through the CLI on a real two-speaker recording."""
from __future__ import annotations

import json
import shutil

import pytest

from lingoflow.speakers.diarize import Turn
from lingoflow.speakers.diarize.rttm import format_rttm, turns_of, write_rttm
from lingoflow.schema import Segment, Word

from .conftest import run_cli


def _parse(text: str) -> list[tuple[str, float, float, str]]:
    out = []
    for line in text.splitlines():
        f = line.split()
        assert len(f) == 10 and f[0] == "SPEAKER" and f[2] == "1" and f[5] == f[6] == f[8] == f[9] == "<NA>", line
        out.append((f[1], float(f[3]), float(f[3]) + float(f[4]), f[7]))
    return out


def test_rttm_keeps_overlap_and_time_order(tmp_path):
    turns = [Turn(2.0, 4.5, "SPEAKER_01"), Turn(0.5, 3.0, "SPEAKER_00"), Turn(5.0, 5.0, "SPEAKER_00")]
    path = write_rttm(turns, "my talk", tmp_path)
    rows = _parse(path.read_text())
    assert rows == [("my_talk", 0.5, 3.0, "SPEAKER_00"), ("my_talk", 2.0, 4.5, "SPEAKER_01")]  # empty turn dropped
    assert not [p for p in tmp_path.iterdir() if p.name != "speakers.rttm"]  # no temporary left behind
    assert format_rttm([], "x") == ""


def test_turns_of_segments_span_their_words():
    segs = [Segment(0, 0.0, 9.0, "hi there", speaker="SPEAKER_00", words=[Word(1.0, 1.5, "hi"), Word(1.6, 2.0, "there")]),
            Segment(1, 9.0, 10.0, "x", speaker=None)]
    assert turns_of(segs) == [Turn(1.0, 2.0, "SPEAKER_00")]


def test_cli_writes_speakers_rttm_with_the_transcripts_labels(eval_dir, tmp_path):
    sample = eval_dir / "diar" / "pyannote_sample.wav"
    if not sample.is_file():
        pytest.skip(f"{sample} is missing")
    lib, out = tmp_path / "lib", tmp_path / "out"
    lib.mkdir()
    shutil.copy(sample, lib / "meeting.wav")
    proc = run_cli("localize", str(lib), "--out", str(out), "--asr-model", "tiny.en", "--quiet")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _parse((out / "meeting" / "speakers.rttm").read_text())
    heard = {who for _, _, _, who in rows}
    assert len(heard) == 2 and {uri for uri, _, _, _ in rows} == {"meeting"}
    assert any(a[3] != b[3] and a[1] < b[2] and b[1] < a[2] for a in rows for b in rows), "overlap kept"
    transcript = json.loads((out / "meeting" / "transcript.json").read_text())
    assert {s["speaker"] for s in transcript["segments"]} <= heard and len({s["speaker"] for s in transcript["segments"]}) == 2
    item = json.loads((out / "report.json").read_text())["items"][0]
    assert "meeting/speakers.rttm" in item["outputs"]
