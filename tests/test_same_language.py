"""A target in the spoken language (`--to en` on English speech) re-voices the source: nothing is
translated, its captions are the source's (written once), and the dub speaks the source text."""
import json
import wave

import numpy as np

from .conftest import ffprobe_streams, run_cli


def test_a_target_in_the_spoken_language_revoices_the_source(eval_dir, tmp_path):
    out = tmp_path / "out"
    proc = run_cli("localize", str(eval_dir / "asr" / "en_jfk.flac"), "--to", "en", "--to", "pt", "--out", str(out),
                   "--asr-model", "tiny.en", "--diarize-engine", "none", "--quiet")
    assert proc.returncode == 0, proc.stderr[-3000:]
    item = json.loads((out / "report.json").read_text())["items"][0]
    assert "translate.en" not in item["stages"] and "translate.pt" in item["stages"]
    folder = out / "en_jfk"
    assert not (folder / "transcript.en.json").exists()  # the source transcript is the text spoken
    fit = json.loads((folder / "dub.en.fit.json").read_text())
    source = json.loads((folder / "transcript.json").read_text())
    assert [s["text"] for s in fit["segments"]] == [s["text"] for s in source["segments"]]
    with wave.open(str(folder / "dub.en.wav")) as w:
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    assert np.abs(audio).max() > 1000  # speech in the re-voiced track
    streams = ffprobe_streams(folder / "en_jfk.localized.mka")
    subs = [s["tags"]["language"] for s in streams if s["codec_type"] == "subtitle"]
    dubs = [s.get("tags", {}).get("language") for s in streams if s["codec_type"] == "audio"]
    assert sorted(subs) == ["eng", "por"] and len(dubs) == 3  # the original, the English re-voicing, the Portuguese dub
