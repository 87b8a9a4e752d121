"""Edit-and-redub end to end: the real CLI, models, TTS and ffmpeg on one short two-voice file."""
import json
import os
import shutil
import time
import wave

import numpy as np
import pysubs2
import pytest

from .conftest import ffprobe_streams, run_cli


def _samples(path):
    with wave.open(str(path)) as w:
        return w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


@pytest.fixture(scope="module")
def library(sample_library, tmp_path_factory):
    lib = tmp_path_factory.mktemp("redub-lib")
    shutil.copy(sample_library / "lesson-3-dialogue.wav", lib / "lesson-3-dialogue.wav")
    return lib, tmp_path_factory.mktemp("redub-out")


def _localize(lib, out):
    proc = run_cli("localize", str(lib), "--to", "pt", "--out", str(out), "--asr-model", "tiny.en", "--quiet")
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "report.json").read_text())["items"][0]


def test_edit_one_segment_redubs_exactly_that_segment(library):
    lib, out = library
    folder = out / "lesson-3-dialogue"
    _localize(lib, out)
    rate, before = _samples(folder / "dub.pt.wav")
    doc = json.loads((folder / "transcript.pt.json").read_text())
    segments = doc["segments"]
    assert len(segments) >= 3 and all(s["machine_text"] == s["text"] for s in segments)
    k = 1
    edited_text = "Um delta é a planície de areia que nasce onde o grande rio chega ao mar aberto."
    segments[k]["text"] = edited_text
    (folder / "transcript.pt.json").write_text(json.dumps(doc, ensure_ascii=False))

    entry = _localize(lib, out)
    assert entry["resynthesized"] == {"pt": [k]}
    assert entry["edited"] == {"pt": [k]}
    rate2, after = _samples(folder / "dub.pt.wav")
    assert rate2 == rate and len(after) == len(before)
    changed = np.flatnonzero(before != after)
    assert changed.size > rate // 10, "the edited segment's audio did not change"
    # the segment's slot runs from its start up to the next segment's start (the dub may borrow the silence,
    # and start up to dub.LEAD early into the pause before it when the cap leaves it too long)
    lo, hi = int(round((segments[k]["start"] - 0.25) * rate)), int(round(segments[k + 1]["start"] * rate))
    assert changed.min() >= lo and changed.max() < hi, (changed.min() / rate, changed.max() / rate, lo / rate, hi / rate)

    # everything downstream is rebuilt from the edit: transcript, captions, fit record, container
    kept = json.loads((folder / "transcript.pt.json").read_text())["segments"][k]
    assert kept["text"] == edited_text and kept["edited"] is True and kept["machine_text"] != edited_text
    srt = (folder / "captions.pt.srt").read_text(encoding="utf-8")
    assert "planície de areia" in srt and "planície de areia" in (folder / "captions.pt.vtt").read_text(encoding="utf-8")
    fit = json.loads((folder / "dub.pt.fit.json").read_text())
    assert [s["id"] for s in fit["segments"] if s["resynthesized"]] == [k] and fit["resynthesized"] == [k]
    mka = folder / "lesson-3-dialogue.localized.mka"
    assert mka.stat().st_mtime >= (folder / "dub.pt.wav").stat().st_mtime
    assert [s.get("tags", {}).get("language") for s in ffprobe_streams(mka) if s["codec_type"] == "audio"] == ["eng", "por"]
    review = (folder / "review.html").read_text()
    assert "planície de areia" in review and 'class="badge edited"' in review

    # the reviewer then fixes another line in the captions instead: that segment alone is spoken again
    j = k + 1
    srt_path = folder / "captions.pt.srt"
    subs = pysubs2.load(str(srt_path), encoding="utf-8")
    cue = next(e for e in subs if e.start / 1000 >= segments[j]["start"] - 0.01)
    assert cue.start / 1000 < segments[j]["end"]  # the cue belongs to segment j
    cue.text = "Muito obrigada!"
    subs.save(str(srt_path), encoding="utf-8", format_="srt")
    later = time.time() + 2
    os.utime(srt_path, (later, later))
    entry = _localize(lib, out)
    assert entry["resynthesized"] == {"pt": [j]} and entry["edited"] == {"pt": [k, j]}
    again = json.loads((folder / "transcript.pt.json").read_text())["segments"]
    assert again[k]["text"] == edited_text and again[j]["text"].startswith("Muito obrigada!")

    # an unchanged re-run speaks nothing again and keeps both edits
    entry = _localize(lib, out)
    assert entry["resynthesized"] == {"pt": []} and entry["edited"] == {"pt": [k, j]}
