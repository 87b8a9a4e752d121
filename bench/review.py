"""Edit-and-redub and review-page figures. Never pass/fail.

    python -m bench.review            # the ~2.5 min speech-dense clip, 3 CLI runs (a few minutes on 2 cores)
    python -m bench.review --quick    # the 14 s sample dialogue

Prints: wall time of a first run, of an unchanged re-run (the baseline: nothing to redo but
Prefect, ASR and muxing) and of a re-run after editing one translated segment, with how many
segments each run synthesized; then the time and size of the review pages for that output and
for a synthetic one-hour file, next to writing report.json (the same-run baseline).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from lingoflow.captions import cues as captions
from lingoflow.dub import fit as dubfit
from lingoflow.store.atomic import write_json
from lingoflow.dub.track import FitStats, Placement
from lingoflow.review import write_pages
from lingoflow.samples import make_library
from lingoflow.schema import Segment, SourceInfo, Transcript, Word

from . import clips
from .common import write_cue_files, WORK, header, peak_rss_mb_of, save, table, timed

LINGOFLOW = [sys.executable, "-m", "lingoflow.flows.cli", "localize"]


def _run(src_dir: Path, out: Path, env: dict) -> tuple[float, dict]:
    wall, _rss, rc = peak_rss_mb_of(LINGOFLOW + [str(src_dir), "--to", "pt", "--out", str(out), "--asr-model", "tiny.en", "--quiet"], env)
    if rc != 0:
        raise SystemExit(f"lingoflow localize exited {rc}")
    return wall, json.loads((out / "report.json").read_text())["items"][0]


def redub(quick: bool, tmp: Path) -> list[dict]:
    src_dir = tmp / "lib"
    src_dir.mkdir()
    if quick:  # the 14 s two-voice sample lesson
        clip = next(p for p in make_library(WORK / "review-samples") if p.stem == "lesson-3-dialogue")
    else:
        clip = clips.speech_dense()
    (src_dir / clip.name).symlink_to(clip)
    out = tmp / "out"
    env = {"LINGOFLOW_CACHE": str(tmp / "cache"), "PREFECT_HOME": str(tmp / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    rows = []
    for name in ("first run (cold cache)", "unchanged re-run", "re-run after editing 1 segment"):
        if name.startswith("re-run after"):
            path = out / clip.stem / "transcript.pt.json"
            doc = json.loads(path.read_text())
            seg = doc["segments"][len(doc["segments"]) // 2]
            seg["text"] = seg["text"] + " Revisado."
            path.write_text(json.dumps(doc, ensure_ascii=False))
        wall, item = _run(src_dir, out, env)
        rows.append({"run": name, "wall_s": round(wall, 1), "synthesize_s": item["stages"]["synthesize.pt"]["seconds"],
                     "synthesized": len(item["resynthesized"]["pt"]), "segments": item["dub_fit"]["pt"]["segments"],
                     "audio_s": item["audio_seconds"]})
    return rows, out


def synthetic_hour(out: Path, segments: int = 900) -> dict:
    """A one-hour file's outputs (900 segments of ~10 words, one target) without running any model."""
    folder = out / "hour"
    folder.mkdir(parents=True)
    segs = []
    for i in range(segments):
        start = i * 4.0
        words = [Word(start + k * 0.3, start + k * 0.3 + 0.25, f"word{k}", 0.3 if k == 3 else 0.9) for k in range(10)]
        segs.append(Segment(i, start, start + 3.2, " ".join(w.text for w in words), speaker=f"SPEAKER_0{i % 3}", confidence=0.8, words=words))
    src = Transcript(SourceInfo("hour.flac", "0" * 64, segments * 4.0), "en", 1.0, segs)
    tr = src.translated("pt", [f"palavra traduzida número {i} com mais algumas palavras" for i in range(segments)])
    write_json(folder / "transcript.json", src.to_dict())
    write_json(folder / "transcript.pt.json", tr.to_dict())
    for t in (src, tr):
        write_cue_files(captions.make_cues(t), folder / f"captions.{t.language}.srt", folder / f"captions.{t.language}.vtt")
    placements = [Placement(i, i * 4.0, i * 4.0 + 3.0, i * 4.0 + 3.2, 1.0 + (i % 5) * 0.05, 0.0) for i in range(segments)]
    dubfit.write(folder / "dub.pt.fit.json", tr, FitStats(segments, segments * 4 // 5, 1.2, [], placements))
    return {"item": "hour", "source": "hour.flac", "status": "ok", "error": None, "language": "en", "targets": ["pt"],
            "audio_seconds": segments * 4.0, "stages": {}, "outputs": [], "dub_fit": {}, "edited": {}, "resynthesized": {}}


def pages(out: Path) -> list[dict]:
    report = json.loads((out / "report.json").read_text())
    rows = []
    for name, rep in (("bench clip", report), ("synthetic 1 h, 900 segments", {**report, "items": [synthetic_hour(out)]})):
        base, _ = timed(write_json, out / "report-copy.json", rep)
        wall, written = timed(write_pages, rep, out)
        item_page = next(p for p in written if p.name == "review.html")
        rows.append({"output": name, "report_json_ms": round(base * 1000, 1), "pages_ms": round(wall * 1000, 1),
                     "file_page_kb": round(item_page.stat().st_size / 1024, 1),
                     "library_page_kb": round((out / "report.html").stat().st_size / 1024, 1)})
    return rows


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    meta = header("lingoflow bench: edit-and-redub, review pages")
    with tempfile.TemporaryDirectory() as t:
        runs, out = redub(args.quick, Path(t))
        print(f"\nedit-and-redub, {runs[0]['audio_s']:.0f} s speech-dense clip, en -> pt, --asr-model tiny.en (wall includes process start)")
        table([tuple(r.values()) for r in runs], tuple(runs[0].keys()))
        rendered = pages(out)
        print("review pages (same-run baseline: writing report.json)")
        table([tuple(r.values()) for r in rendered], tuple(rendered[0].keys()))
    results = {**meta, "redub": runs, "pages": rendered}
    save("bench-review", results, quick=args.quick)
    return results


if __name__ == "__main__":
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    main()
