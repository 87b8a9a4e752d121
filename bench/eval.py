"""`make eval`: quality figures against real references, next to bare faster-whisper.

    python -m bench.eval            # full (a few minutes on 2 cores)
    python -m bench.eval --quick    # fewer inputs, for the test that keeps this script alive

Dub fit and caption norms on the real recordings (and the synthesized lessons) come from
bench.real_fit, which also runs alone.
"""
from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import fragments
from .common import SHARED_EVAL, header, save, table
from . import real_fit
from .quality import caption_conformance, dub_sync, wer

LINGOFLOW = [sys.executable, "-m", "lingoflow.flows.cli", "localize"]


def manifest() -> list[dict]:
    with open(SHARED_EVAL / "asr" / "manifest.tsv", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def asr_inputs(tmp: Path, quick: bool) -> list[tuple[Path, str, str]]:
    """(file, language, reference) for every clip with a usable reference; stereo channels split."""
    rows = []
    for row in manifest():
        name, lang, ref = row["file"], row["language"], row["reference_transcript"]
        if "+" in lang:  # the code-switching clip has no reliable reference: used for the switch only
            continue
        if "#ch" in name:
            base, ch = name.split("#ch")
            out = tmp / f"{Path(base).stem}-ch{ch[0]}.wav"
            subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", f"file:{SHARED_EVAL / 'asr' / base}",
                            "-af", f"pan=mono|c0=c{ch[0]}", f"file:{out}"], check=True)
            rows.append((out, lang, ref))
        else:
            rows.append((SHARED_EVAL / "asr" / name, lang, ref))
    return rows[:2] if quick else rows


def bare_whisper(paths: list[Path], model_name: str = "base") -> list[tuple[str, str]]:
    from faster_whisper import decode_audio

    from lingoflow.asr.faster_whisper import load_model

    model = load_model(model_name)
    out = []
    for p in paths:
        segments, info = model.transcribe(decode_audio(str(p)), beam_size=5, vad_filter=True, word_timestamps=True, condition_on_previous_text=False)
        out.append((" ".join(s.text.strip() for s in segments), info.language))
    return out


def run_pipeline(files: list[Path], out: Path, targets: list[str], extra: tuple[str, ...] = ()) -> dict:
    args = LINGOFLOW + [*map(str, files), "--out", str(out), "--quiet", *extra]
    for t in targets:
        args += ["--to", t]
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"lingoflow failed: {proc.stderr[-2000:]}")
    return json.loads((out / "report.json").read_text())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if not SHARED_EVAL.is_dir():
        raise SystemExit(f"the evaluation set is not at {SHARED_EVAL}")
    results = header("lingoflow eval" + (" (quick)" if args.quick else ""))
    tmp = Path(tempfile.mkdtemp(prefix="lingoflow-eval-"))
    try:
        results.update(_asr(tmp, args.quick))
        results["code_switching"] = _switch(args.quick)
        results["fragments"] = fragments.measure(args.quick)  # spurious segments before/after the filter
        results["mt"] = _mt(args.quick)
        results.update(_localized(tmp, args.quick))
        results["real_fit"] = real_fit.run(args.quick, piper=not args.quick)
        if not args.quick:
            results["lessons_fit"] = real_fit.run(False, piper=True, lessons=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    save("eval-quick" if args.quick else "eval", results, args.quick)
    return results


def _asr(tmp: Path, quick: bool) -> dict:
    inputs = asr_inputs(tmp, quick)
    report = run_pipeline([p for p, _, _ in inputs], tmp / "asr-out", [])
    by_source = {Path(i["source"]).name: i for i in report["items"]}
    ours_text, ours_lang = [], []
    for path, _, _ in inputs:
        item = by_source[path.name]
        tr = json.loads((tmp / "asr-out" / item["item"] / "transcript.json").read_text())
        ours_text.append(" ".join(s["text"] for s in tr["segments"]))
        ours_lang.append(tr["language"])
    bare = bare_whisper([p for p, _, _ in inputs])
    refs = [r for _, _, r in inputs]
    rows = []
    for (path, lang, ref), hyp, (bhyp, _) in zip(inputs, ours_text, bare):
        rows.append((path.name, f"{wer([ref], [hyp]):.3f}", f"{wer([ref], [bhyp]):.3f}"))
    figures = {
        "wer_lingoflow": round(wer(refs, ours_text), 4),
        "wer_bare_faster_whisper": round(wer(refs, [b for b, _ in bare]), 4),
        "per_clip": [{"clip": r[0], "wer_lingoflow": float(r[1]), "wer_bare": float(r[2])} for r in rows],
        "language_id_accuracy": round(sum(a == lang for a, (_, lang, _) in zip(ours_lang, inputs)) / len(inputs), 4),
        "language_id_accuracy_bare": round(sum(b == lang for (_, b), (_, lang, _) in zip(bare, inputs)) / len(inputs), 4),
    }
    print("## ASR: WER against the references (Whisper base int8; Whisper's English text normaliser, lingoflow/quality/metrics.py)")
    table(rows + [("ALL (corpus WER)", f"{figures['wer_lingoflow']:.3f}", f"{figures['wer_bare_faster_whisper']:.3f}")], ("clip", "lingoflow", "bare faster-whisper"))
    print(f"language identification accuracy: lingoflow {figures['language_id_accuracy']:.0%}, bare {figures['language_id_accuracy_bare']:.0%} over {len(inputs)} clips\n")
    return {"asr": figures}


def _switch(quick: bool) -> dict:
    from lingoflow.pipeline.ingest import ingest
    from lingoflow.pipeline.transcribe import transcribe
    from lingoflow.config import LocalizeOptions

    clip = SHARED_EVAL / "asr" / "en+de_fw_multilingual.mp3"
    ing = ingest(str(clip))
    out = {}
    for mode in ([True] if quick else [False, True]):
        tr = transcribe(ing, LocalizeOptions(code_switching=mode))
        langs = [s.language for s in tr.segments]
        switch = next((s.start for s in tr.segments if s.language != langs[0]), None)
        out["code_switching" if mode else "default"] = {"languages": sorted(set(langs)), "switch_at_seconds": switch, "found": "de" in langs and "en" in langs}
    print("## Language switch on the English+German clip (German starts at about 30 s)")
    table([(k, ",".join(v["languages"]), v["switch_at_seconds"], v["found"]) for k, v in out.items()], ("mode", "languages", "switch at s", "switch found"))
    return out


def _mt(quick: bool) -> dict:
    import sacrebleu

    from lingoflow import mt

    src = (SHARED_EVAL / "mt" / "en-pt.tatoeba-dev.src").read_text().splitlines()
    ref = (SHARED_EVAL / "mt" / "en-pt.tatoeba-dev.ref").read_text().splitlines()
    if quick:
        src, ref = src[:50], ref[:50]
    engine = mt.select_engine("en", "pt")
    t0 = time.perf_counter()
    hyp = engine.translate(src, "en", "pt")
    seconds = time.perf_counter() - t0
    out = {"pairs": len(src), "engine": engine.name, "bleu": round(sacrebleu.corpus_bleu(hyp, [ref]).score, 2),
           "chrf": round(sacrebleu.corpus_chrf(hyp, [ref]).score, 2), "ms_per_sentence": round(1000 * seconds / len(src), 2)}
    # clean verbatim (mt/condense.py) before translating, as the translate stage does: its BLEU cost
    from lingoflow.mt.condense import condense_segment, rules_for
    from lingoflow.schema import Segment

    rules = rules_for("en")
    clean = [condense_segment(Segment(i, 0.0, 1.0, s), rules)[0].text for i, s in enumerate(src)]
    out["bleu_clean_verbatim"] = round(sacrebleu.corpus_bleu(engine.translate(clean, "en", "pt"), [ref]).score, 2)
    out["sources_condensed"] = sum(a != b for a, b in zip(src, clean))
    # the worst case of a short slot: every line as if too long for it (mt/shorter.py: the source
    # tightened, the translation compacted), what the shorter text costs in BLEU
    from lingoflow.mt.constrained import Constrained
    from lingoflow.mt.shorter import shorten

    short = shorten(engine, clean, [Constrained(h) for h in engine.translate(clean, "en", "pt")], [0.0] * len(clean), "en", "pt", None)
    out["bleu_every_slot_short"] = round(sacrebleu.corpus_bleu([r.text for r in short], [ref]).score, 2)
    out["lines_shortened"] = sum(r.method != "plain" for r in short)
    print("## MT: Tatoeba en->pt dev set (sacrebleu)")
    table([(out["engine"], out["pairs"], out["bleu"], out["chrf"], out["ms_per_sentence"], out["bleu_clean_verbatim"], out["sources_condensed"],
            out["bleu_every_slot_short"], out["lines_shortened"])],
          ("engine", "pairs", "BLEU", "chrF", "ms/sentence", "BLEU clean verbatim", "sources condensed", "BLEU every slot short", "lines shortened"))
    return out


def _localized(tmp: Path, quick: bool) -> dict:
    """Localize the sample lessons (and the JFK speech) into pt: caption conformance over every
    caption file produced, and the dub's measured sync."""
    from lingoflow.samples import make_library

    files = make_library(tmp / "lib")
    if not quick:
        files.append(SHARED_EVAL / "asr" / "en_jfk.flac")
    out = tmp / "loc-out"
    # sync is measured on the dubbed speech alone: with the original sound kept under the dub
    # (the default), its own onsets would be found first
    report = run_pipeline(files, out, ["pt"], ("--background", "none"))
    srts = sorted(out.glob("*/captions.*.srt")) + sorted((tmp / "asr-out").glob("*/captions.*.srt"))
    conf = caption_conformance(srts)
    offsets, speeds, overflows, segments = [], [], 0, 0
    for item in report["items"]:
        if item["status"] != "ok":
            continue
        tr = json.loads((out / item["item"] / "transcript.pt.json").read_text())
        # a segment re-flowed into the line before it (tts/reflow.py) has no onset of its own to measure
        fitted = json.loads((out / item["item"] / "dub.pt.fit.json").read_text())
        joined = {i for s in fitted["segments"] for i in s.get("joined", [])}
        starts = {f["id"]: f["dub_start"] for f in fitted["segments"]}
        ends = [(f["id"], f["dub_start"], f["dub_end"]) for f in fitted["segments"]]
        # a line may borrow the silence up to the next one: its onset is looked for after the previous line's dub
        measured = [{**s, "after": max((e for i, b, e in ends if i != s["id"] and b < starts.get(s["id"], s["start"])), default=0.0)} for s in tr["segments"] if s["id"] not in joined]
        offsets += dub_sync(out / item["item"] / "dub.pt.wav", measured)
        fit = item["dub_fit"].get("pt", {})
        speeds.append(fit.get("max_speed", 1.0))
        overflows += len(fit.get("overflowed", []))
        segments += fit.get("segments", 0)
    sync = {"segments": segments, "measured_start_offset_mean": round(sum(offsets) / len(offsets), 3) if offsets else None,
            "measured_start_offset_max_abs": round(max(map(abs, offsets)), 3) if offsets else None,
            "within_150ms": round(sum(abs(o) <= 0.15 for o in offsets) / len(offsets), 4) if offsets else None,
            "max_speed": max(speeds) if speeds else None, "overflowed_segments": overflows}
    print("## Captions: conformance over every caption file produced")
    table([(conf["files"], conf["cues"], f"{conf['share_line_length']:.1%}", f"{conf['share_line_count']:.1%}", f"{conf['share_reading_speed']:.1%}",
            f"{conf['share_duration']:.1%}", f"{conf['share_all']:.1%}")],
          ("files", "cues", "<=42 chars", "<=2 lines", "<=17 cps", "5/6-7 s", "all norms"))
    print("## Dub sync (pt; start offsets measured on the dub track's audio)")
    table([(sync["segments"], sync["measured_start_offset_mean"], sync["measured_start_offset_max_abs"], sync["within_150ms"], sync["max_speed"], sync["overflowed_segments"])],
          ("segments", "mean offset s", "max |offset| s", "within 150 ms", "max speed", "overflows"))
    return {"captions": conf, "dub_sync": sync}


if __name__ == "__main__":
    main()
