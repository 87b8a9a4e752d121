"""lingoflow evaluate: transcripts scored against human references, the numbers the benches give."""
from __future__ import annotations

import json
import math
import wave
from pathlib import Path

import pytest

from lingoflow.quality import metrics
from lingoflow.quality.references import collect

from .conftest import run_cli


def _silent_wav(path: Path, seconds: float = 1.0) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(b"\0\0" * int(16000 * seconds))
    return path


def test_scores_use_whispers_normaliser_and_count_edits():
    s = metrics.score(["In 1813, the press yard."], ["IN EIGHTEEN THIRTEEN the yard"])
    assert (s.wer, s.substitutions, s.deletions, s.insertions) == (0.2, 0, 1, 0)  # "press" deleted, numbers and case forgiven
    trailing = metrics.score(["did you guys actually have..."], ["Did you guys actually have"])
    assert (trailing.wer, trailing.deletions) == (0.0, 0)  # the normaliser's "." for an ellipsis is no word
    zh = metrics.score(["你好世界"], ["你好 世"], "zh")
    assert zh.wer is None and zh.cer == 0.25  # spaceless: characters only
    assert metrics.timing_offset([(1.0, 2.0, "a"), (5.0, 6.0, "b")], [(1.3, 2.2), (5.3, 6.1)]) == pytest.approx(0.3)


def test_references_found_and_bad_ones_named(tmp_path):
    lib, refs_dir = tmp_path / "lib", tmp_path / "refs"
    lib.mkdir(), refs_dir.mkdir()
    a, b, c = _silent_wav(lib / "talk.wav"), _silent_wav(lib / "meeting.wav"), _silent_wav(lib / "bad.wav")
    (lib / "talk.srt").write_text("1\n00:00:01,000 --> 00:00:02,500\nHello there\n\n2\n00:00:03,000 --> 00:00:04,000\n[music] General Kenobi\n")
    (refs_dir / "meeting.en.txt").write_text("we meet at noon\n")
    (refs_dir / "all.rttm").write_text("SPEAKER meeting 1 0.50 1.00 <NA> <NA> alice <NA> <NA>\n")
    (refs_dir / "orphan.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nnobody's\n")
    (refs_dir / "broken.rttm").write_text("SPEAKER x 1 notanumber\n")
    (refs_dir / "bad.srt").write_bytes(b"\xff\xfe\x00garbage")
    found, problems = collect([str(a), str(b), str(c)], str(refs_dir))
    by_key = {r.key: r for r in found}
    assert by_key["talk"].text == "Hello there General Kenobi" and by_key["talk"].cues[0] == (1.0, 2.5, "Hello there")
    assert by_key["meeting"].text == "we meet at noon" and by_key["meeting"].language == "en"
    assert by_key["meeting"].speakers.labels() == ["alice"]
    named = {Path(p.path).name: p.reason for p in problems}
    assert "belongs to no recording" in named["orphan.vtt"] and "not a caption file" in named["bad.srt"]
    assert "bad" not in by_key
    assert "RTTM" in named["broken.rttm"]


def test_evaluate_equals_bench_on_shared_eval_two_models(eval_dir, tmp_path):
    """Per-file WER/CER (manifest, stereo channels apart) and DER (AMI RTTM inside its UEM) as
    bench/eval.py and bench/diarization.py compute them for the same transcripts; two models."""
    import os

    from pyannote.metrics.diarization import DiarizationErrorRate

    from bench import diarization as bench_diar
    from bench.eval import manifest
    from bench.quality import wer as bench_wer
    from lingoflow.config import LocalizeOptions
    from lingoflow.paths import cache_dir
    from lingoflow.quality.evaluate import diarized_for, transcript_for
    from lingoflow.store.cache import ResultStore
    from lingoflow.store.storage import LocalStore

    files = [eval_dir / "asr" / "en_jfk.flac", eval_dir / "asr" / "en_ljspeech_LJ002-0035.wav", eval_dir / "asr" / "en_fw_stereo_diarization.wav",
             eval_dir / "diar" / "ami" / "trn00.wav"]
    out = tmp_path / "ev"
    proc = run_cli("evaluate", *map(str, files), "--references", str(eval_dir), "--out", str(out), "--asr-model", "base", "--asr-model", "tiny.en")
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads((out / "evaluation.json").read_text())
    html = (out / "evaluation.html").read_text()
    rows = {(f["key"], f["model"]): f for f in data["files"]}
    keys = {"en_jfk", "en_ljspeech_LJ002-0035", "en_fw_stereo_diarization-ch0", "en_fw_stereo_diarization-ch1", "trn00"}
    assert set(rows) == {(k, m) for k in keys for m in ("base", "tiny.en")}
    refs = {Path(r["file"].split("#")[0]).stem + (f"-ch{r['file'].split('#ch')[1][0]}" if "#ch" in r["file"] else ""): r["reference_transcript"] for r in manifest()}
    for (key, model), f in rows.items():
        assert f["error"] is None, f
        if key == "trn00":
            continue
        assert f["text"]["wer"] == pytest.approx(bench_wer([refs[key]], [f["hypothesis"]]), abs=1e-4)
        assert key in html
    assert rows[("en_jfk", "base")]["text"]["wer"] <= 0.05
    # DER: the same diarized transcript (the result cache the command filled) scored the bench's way
    ami = eval_dir / "diar" / "ami"
    ref, uem = bench_diar.read_rttm(ami / "ami.rttm")["trn00"], bench_diar.read_uem(ami / "ami.uem")["trn00"]
    results = ResultStore(LocalStore(cache_dir()))
    for model in ("base", "tiny.en"):
        options = LocalizeOptions(asr_model=model)  # a default localize run's: no captions beside the clip
        ingested, transcript, _, cached = transcript_for(str(ami / "trn00.wav"), options, results)
        assert cached  # evaluate made it, in the entry a localize run would use
        diarized = diarized_for(ingested, transcript, options, results)
        expected = DiarizationErrorRate(collar=0.5)(ref, bench_diar.hypothesis(diarized, "trn00"), uem=uem)
        assert rows[("trn00", model)]["der"] == pytest.approx(expected, abs=1e-4)
        assert not math.isnan(rows[("trn00", model)]["der"])
    assert data["totals"]["base"]["realtime_factor"] and data["totals"]["tiny.en"]["realtime_factor"]
    # references of no recording (the caption files, the other manifest rows) are named and skipped
    assert any("wwa_captions_en.vtt" in p["path"] and "no recording" in p["reason"] for p in data["problems"])
    assert os.path.isfile(out / "evaluation.html")


def test_missing_references_folder_is_a_usage_error(tmp_path):
    wav = _silent_wav(tmp_path / "a.wav")
    proc = run_cli("evaluate", str(wav), "--references", str(tmp_path / "nope"), "--out", str(tmp_path / "ev"))
    assert proc.returncode == 2 and "--references folder not found" in proc.stderr and "nope" in proc.stderr
    assert not (tmp_path / "ev").exists()
