"""`make bench` and `make eval` in reduced mode, so neither can silently rot."""
import json

from bench import eval as quality_eval
from bench import run as bench_run


def test_bench_quick_prints_every_figure(capsys, eval_dir):
    results = bench_run.main(["--quick"])
    out = capsys.readouterr().out
    for heading in ("End to end", "ASR stage vs bare faster-whisper", "additional target language", "Re-run and orchestration"):
        assert heading in out
    assert results["machine"]["cores"] >= 1 and results["versions"]["faster-whisper"]
    assert results["end_to_end"]["realtime_factor_flow"] > 0
    assert 0 < results["asr_vs_bare"]["ratio"] < 10
    assert "transcribe" in results["end_to_end"]["stage_share"]
    assert results["rerun"]["first_seconds"] > 0 and results["rerun"]["per_file_overhead_seconds"] is not None
    saved = json.loads((bench_run.ROOT / "bench" / ".work" / "bench-quick.json").read_text())
    assert saved["end_to_end"] == results["end_to_end"]


def test_eval_quick_prints_every_figure(capsys, eval_dir):
    results = quality_eval.main(["--quick"])
    out = capsys.readouterr().out
    for heading in ("WER", "Language switch", "Spurious segments", "MT: Tatoeba", "Captions: conformance", "Dub sync", "Dub fit on",
                    "Captions on the real recordings"):
        assert heading in out
    fit = results["real_fit"]["dub"]["espeak-ng pt"]
    assert fit["segments"] > 0 and fit["overlaps"] == 0 and fit["worst_drift"] <= 0.5 + 1e-3
    assert results["real_fit"]["captions"]["en"]["cues"] > 0
    assert results["asr"]["wer_lingoflow"] < 0.5 and results["asr"]["language_id_accuracy"] == 1.0
    assert results["code_switching"]["code_switching"]["found"]
    assert results["mt"]["bleu"] > 30
    frag = results["fragments"]
    assert frag["segments_after"] + frag["dropped"] == frag["segments_before"] > 0 and frag["wer_after"] <= frag["wer_before"]
    assert results["captions"]["cues"] > 0 and results["captions"]["share_line_length"] == 1.0
    assert results["dub_sync"]["within_150ms"] == 1.0


def test_packing_bench_quick_prints_its_figures(capsys, eval_dir):
    from bench import packing

    results = packing.main(["--quick"])
    out = capsys.readouterr().out
    assert "Recognition" in out and "words lost" in out
    rec = results["recognition"]
    assert rec["files"] >= 4 and rec["packed_files"] >= 2 and rec["sequential_words"] > 20
    assert rec["seconds"]["packed"] > 0 and rec["words_lost_share"] <= 0.05


def test_stage_cpu_bench_quick_prints_every_stage(capsys, eval_dir):
    from bench import stage_cpu

    results = stage_cpu.main(["--quick"])
    out = capsys.readouterr().out
    for stage in stage_cpu.STAGES:
        assert stage in out
    figures = results["cpu_seconds"]
    assert figures["transcribe"]["lingoflow"] > 0 and figures["transcribe"]["bare"] > 0
    assert "CPU" in out and results["machine"]["cpu"]
