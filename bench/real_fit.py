"""Dub fit and caption norms on the real recordings of ../shared/eval, localized to Portuguese.

    python -m bench.real_fit            # every real recording (AMI, pyannote sample, asr/ clips)
    python -m bench.real_fit --quick    # three of them

The pipeline's core stage functions run directly (no Prefect): ingest, transcribe, translate,
captions (SRT), synthesize (the dub WAV and dub.pt.fit.json). Figures are measured on those
files: segments cut and seconds lost, worst drift behind the source, max effective speed per
engine, overlaps, dub track length against the source; caption cues within every norm of their
language, the fastest cue, source words missing from the captions. Besides the Portuguese dub
(espeak-ng), the English transcript is dubbed again with Piper in the same slots, to measure a
second engine's fit. Transcripts are kept in bench/.work by the source's bytes (ASR is not what
is measured here; --fresh transcribes again).
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import wave
from collections import Counter
from pathlib import Path

import pysubs2

from .common import write_cue_files, SHARED_EVAL, WORK, header, save, table
from .quality import caption_conformance


def library(quick: bool) -> list[Path]:
    """Every real recording with English speech (the English+German clip is left out: half of it is German)."""
    ami = sorted((SHARED_EVAL / "diar" / "ami").glob("*.wav"))
    asr = [SHARED_EVAL / "asr" / n for n in ("en_jfk.flac", "en_ljspeech_LJ002-0020.wav", "en_ljspeech_LJ002-0035.wav", "en_fw_stereo_diarization.wav")]
    files = [*ami, SHARED_EVAL / "diar" / "pyannote_sample.wav", *asr]
    if quick:
        return [SHARED_EVAL / "diar" / "ami" / "trn00.wav", SHARED_EVAL / "diar" / "pyannote_sample.wav", SHARED_EVAL / "asr" / "en_jfk.flac"]
    return files


def kind(path: Path) -> str:
    """The kind of recording, for figures by kind (a rule must not help one kind and hurt another)."""
    if path.parent.name == "ami":
        return "meeting (AMI)"
    if path.stem.startswith("en_ljspeech"):
        return "read speech"
    if path.stem in ("pyannote_sample", "en_fw_stereo_diarization"):
        return "multi-speaker"
    if path.stem.startswith("lesson-"):
        return "synthesized lesson"
    return "speech (JFK)" if path.stem == "en_jfk" else "other"


def _transcript(ing, options, fresh: bool):
    from lingoflow.pipeline.transcribe import transcribe
    from lingoflow.schema import Transcript

    keep = WORK / "real_fit" / f"{ing.sha256}.{options.asr_model}.json"
    if keep.is_file() and not fresh:
        return Transcript.from_dict(json.loads(keep.read_text()))
    tr = transcribe(ing, options)
    keep.parent.mkdir(parents=True, exist_ok=True)
    keep.write_text(json.dumps(tr.to_dict(), ensure_ascii=False))
    return tr


def _norms(language: str):
    from lingoflow.captions import cues as captions

    return captions.norms_for(language)


_WORD = re.compile(r"[^\w']+")


def _words(text: str) -> list[str]:
    return [w for w in _WORD.sub(" ", text.lower()).split() if w.strip("'")]


def _events(srt: Path) -> list:
    if not srt.read_text(encoding="utf-8").strip():  # a recording without speech: no cue
        return []
    return [e for e in pysubs2.load(str(srt), encoding="utf-8", format_="srt") if e.plaintext.strip()]


def cue_checks(srt: Path, language: str) -> list[dict]:
    """Each cue of an SRT file against its language's norms (a short cue is fine when the next
    one follows it at the minimum gap: the speech left no more room)."""
    norms = _norms(language)
    events = _events(srt)
    out = []
    for i, e in enumerate(events):
        lines = e.plaintext.split("\n")
        dur = (e.end - e.start) / 1000
        chars = sum(len(line) for line in lines)
        gap = (events[i + 1].start - e.end) / 1000 if i + 1 < len(events) else None
        squeezed = gap is not None and gap <= norms.min_gap + 0.002
        ok = {
            "line_length": max(map(len, lines)) <= norms.max_line_chars,
            "line_count": len(lines) <= norms.max_lines,
            "reading_speed": dur > 0 and chars / dur <= norms.max_cps + 1e-6,
            "duration": dur <= norms.max_duration + 1e-6 and (dur >= norms.min_duration - 1e-3 or squeezed or gap is None),
            "gap": gap is None or gap >= norms.min_gap - 0.002,
        }
        out.append({"cps": chars / dur if dur > 0 else float("inf"), "ok": ok, "all": all(ok.values())})
    return out


def missing_words(transcript, srt: Path) -> int:
    """Source words (as a multiset, case and punctuation aside) that no cue of the file shows."""
    from lingoflow.captions.cues import display_text

    said = Counter(w for s in transcript.segments for w in _words(display_text(s.text)))
    shown = Counter(w for e in _events(srt) for w in _words(e.plaintext))
    return sum((said - shown).values())


def baseline_srt(transcript, source, folder: Path) -> Path:
    """The same-run baseline: the captions as the rule before quiet_lead made them (a cue at most
    lead_in before its speech, even after a silence), from the same transcripts."""
    from dataclasses import replace

    from lingoflow.captions import cues as captions

    norms = captions.norms_for(transcript.language)
    cues = captions.make_cues(transcript, replace(norms, quiet_lead=norms.lead_in), source)
    srt = folder / f"baseline.{transcript.language}.srt"
    write_cue_files(cues, srt, folder / f"baseline.{transcript.language}.vtt")
    return srt


def fit_figures(fit: dict, dub_wav: Path, duration: float) -> dict:
    segs = sorted(fit["segments"], key=lambda s: s.get("dub_start", s["start"]))
    lost = [s.get("overflow", 0.0) for s in segs]
    drift = [s.get("dub_start", s["start"]) - s["start"] for s in segs]
    speeds = [s.get("speed", 1.0) * s.get("engine_speed", 1.0) for s in segs]
    overlaps = sum(a["dub_end"] > b.get("dub_start", b["start"]) + 1e-3 for a, b in zip(segs, segs[1:]))
    with wave.open(str(dub_wav)) as w:
        length = w.getnframes() / w.getframerate()
    return {
        "segments": len(segs), "cut": sum(x > 0 for x in lost), "cut_over_50ms": sum(x > 0.05 for x in lost),
        "seconds_lost": round(sum(lost), 3), "max_lost": round(max(lost, default=0.0), 3),
        "worst_drift": round(max(drift, default=0.0), 3), "earliest_start": round(min(drift, default=0.0), 3),
        "max_effective_speed": round(max(speeds, default=1.0), 3), "overlaps": overlaps,
        "speedups": [round(x, 3) for x in speeds], "words_condensed": sum(len(s.get("condensed", [])) for s in segs),
        "length_error": round(abs(length - duration), 4),
        "removed_words": [w for s in segs for w in s.get("removed_words", [])],
    }


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers_missing(source, fit: dict) -> int:
    """Numbers of a source line (the verbatim transcript's) that its dub line does not say."""
    said = {s.id: s.text for s in source.segments}
    missing = 0
    for seg in fit["segments"]:
        text = " ".join(said.get(i, "") for i in [seg["id"], *seg.get("joined", [])])
        missing += sum((Counter(_NUMBER.findall(text)) - Counter(_NUMBER.findall(seg.get("text") or ""))).values())
    return missing


def _sum_fit(rows: list[dict]) -> dict:
    if not rows:
        return {}
    total = {k: sum(r[k] for r in rows) for k in ("segments", "cut", "cut_over_50ms", "overlaps")}
    total["seconds_lost"] = round(sum(r["seconds_lost"] for r in rows), 3)
    for k in ("max_lost", "worst_drift", "max_effective_speed", "length_error"):
        total[k] = max(r[k] for r in rows)
    total["earliest_start"] = min(r["earliest_start"] for r in rows)
    total["removed_words"] = [w for r in rows for w in r["removed_words"]]
    ups = sorted(x for r in rows for x in r["speedups"]) or [1.0]
    total.update(speedup_median=_quantile(ups, 0.5), speedup_p90=_quantile(ups, 0.9), over_1_35=sum(x > 1.35 + 1e-9 for x in ups),
                 over_1_5=sum(x > 1.5 + 1e-9 for x in ups), words_condensed=sum(r["words_condensed"] for r in rows),
                 numbers_missing=sum(r.get("numbers_missing", 0) for r in rows))
    return total


def _quantile(values: list[float], q: float) -> float:
    import numpy as np

    return round(float(np.quantile(values, q)), 3)


def _caption_figures(checks: list[dict], missing: int) -> dict:
    n = len(checks) or 1
    return {
        "cues": len(checks), "within_all_norms": sum(c["all"] for c in checks), "share_all": round(sum(c["all"] for c in checks) / n, 4),
        **{f"share_{k}": round(sum(c["ok"][k] for c in checks) / n, 4) for k in ("line_length", "line_count", "reading_speed", "duration", "gap")},
        "fastest_cps": round(max((c["cps"] for c in checks), default=0.0), 2), "over_25cps": sum(c["cps"] > 25 + 1e-6 for c in checks),
        "missing_words": missing,
    }


def measure(files: list[Path], work: Path, fresh: bool = False, piper: bool = True) -> dict:
    from lingoflow.pipeline.ingest import ingest
    from lingoflow.pipeline.outputs import write_captions
    from lingoflow.pipeline.synthesize import synthesize
    from lingoflow.pipeline.translate import translate
    from lingoflow.config import LocalizeOptions
    from lingoflow.dub.tts import get_engine

    opts = LocalizeOptions(targets=["pt"], diarize_engine="none", background="none")
    piper_opts = LocalizeOptions(targets=["en"], diarize_engine="none", background="none", tts_engine="piper")
    piper = piper and get_engine("piper").supports("en")
    checks: dict[str, list] = {"en": [], "pt": []}
    before: dict[str, list] = {"en": [], "pt": []}
    by_kind: dict[tuple[str, str], list] = {}
    missing = Counter()
    fits: dict[str, list] = {"espeak-ng pt": [], "piper en": []}
    srts: list[Path] = []
    audio = 0.0
    for path in files:
        ing = ingest(str(path))
        audio += ing.duration
        tr = _transcript(ing, opts, fresh)
        folder = work / path.stem
        folder.mkdir(parents=True, exist_ok=True)
        pt = translate(tr, "pt", opts)
        for t, source in ((tr, None), (pt, tr)):
            write_captions(t, folder, source=source)
            srt = folder / f"captions.{t.language}.srt"
            srts.append(srt)
            found = cue_checks(srt, t.language)
            checks[t.language] += found
            by_kind.setdefault((kind(path), t.language), []).extend(found)
            base = baseline_srt(t, source, folder)
            before[t.language] += (base_checks := cue_checks(base, t.language))
            by_kind.setdefault((kind(path), f"{t.language} before"), []).extend(base_checks)
            missing[("before", t.language)] += (base_lost := missing_words(t, base))
            missing[(kind(path), f"{t.language} before")] += base_lost
            lost = missing_words(t, srt)
            missing[t.language] += lost
            missing[(kind(path), t.language)] += lost
        if not any(s.text.strip() for s in tr.segments):
            continue
        for name, t, o in (("espeak-ng pt", pt, opts), ("piper en", tr, piper_opts)):
            if name.startswith("piper") and not piper:
                continue
            synthesize(t, ing, folder, o)
            fit = json.loads((folder / f"dub.{t.language}.fit.json").read_text())
            fits[name].append(fit_figures(fit, folder / f"dub.{t.language}.wav", ing.duration))
            fits[name][-1]["numbers_missing"] = numbers_missing(tr, fit)
    return {
        "recordings": len(files), "audio_seconds": round(audio, 1),
        "dub": {name: _sum_fit(rows) for name, rows in fits.items() if rows},
        "captions": {lang: _caption_figures(c, missing[lang]) for lang, c in checks.items()},
        "captions_before_quiet_lead": {lang: _caption_figures(c, missing[("before", lang)]) for lang, c in before.items()},
        "captions_by_kind": {f"{k} {lang}": _caption_figures(c, missing[(k, lang)]) for (k, lang), c in sorted(by_kind.items())},
        "captions_17cps_all_languages": caption_conformance([p for p in srts if _events(p)]),
    }


def report(figures: dict, what: str = "real recordings") -> None:
    print(f"## Dub fit on {figures['recordings']} {what} ({figures['audio_seconds']} s, pt with espeak-ng; en again with Piper)")
    table([(name, d["segments"], d["cut"], d["cut_over_50ms"], d["seconds_lost"], d["max_lost"], d["worst_drift"], d["earliest_start"],
            d["speedup_median"], d["speedup_p90"], d["max_effective_speed"], d["over_1_35"], d["over_1_5"], d["overlaps"], d["length_error"],
            d["words_condensed"], d["numbers_missing"]) for name, d in figures["dub"].items()],
          ("engine / dub", "segments", "cut", "cut >50 ms", "s lost", "max lost s", "worst drift s", "earliest s", "speed-up median", "p90",
           "max speed", ">1.35x", ">1.5x", "overlaps", "length error s", "words condensed", "numbers missing"))
    print(f"## Captions on the {what}: cues within every norm of their language")
    rows = []
    for lang, c in figures["captions"].items():
        n = _norms(lang)
        rows.append((lang, f"{n.max_cps:g}", c["cues"], f"{c['share_all']:.1%}", f"{c['share_reading_speed']:.1%}", f"{c['share_duration']:.1%}",
                     f"{c['share_gap']:.1%}", c["fastest_cps"], c["over_25cps"], c["missing_words"]))
    for lang, c in figures.get("captions_before_quiet_lead", {}).items():
        rows.append((f"{lang} before (lead-in 0.25 s only)", f"{_norms(lang).max_cps:g}", c["cues"], f"{c['share_all']:.1%}", f"{c['share_reading_speed']:.1%}",
                     f"{c['share_duration']:.1%}", f"{c['share_gap']:.1%}", c["fastest_cps"], c["over_25cps"], c["missing_words"]))
    table(rows, ("lang", "max cps", "cues", "all norms", "reading speed", "duration", "gap", "fastest cps", ">25 cps", "missing words"))
    print("by kind of recording:")
    table([(name, c["cues"], f"{c['share_all']:.1%}", c["fastest_cps"], c["over_25cps"]) for name, c in figures["captions_by_kind"].items()],
          ("kind lang", "cues", "all norms", "fastest cps", ">25 cps"))
    legacy = figures["captions_17cps_all_languages"]
    print(f"same cues against the former single norm (17 cps for every language, no gap rule): {legacy['share_all']:.1%} within all\n")


def run(quick: bool, work: Path | None = None, fresh: bool = False, piper: bool = True, lessons: bool = False) -> dict:
    """The figures (printed): on the real recordings, or with `lessons` on the synthesized sample
    lessons (lingoflow.samples) and the JFK speech, the set `make eval` localized before."""
    folder = work or Path(tempfile.mkdtemp(prefix="lingoflow-realfit-"))
    try:
        if lessons:
            from lingoflow.samples import make_library

            files = make_library(folder / "lib") + ([] if quick else [SHARED_EVAL / "asr" / "en_jfk.flac"])
        else:
            files = library(quick)
        figures = measure(files, folder / "out", fresh, piper)
    finally:
        if work is None:
            shutil.rmtree(folder, ignore_errors=True)
    report(figures, "synthesized lessons" if lessons else "real recordings")
    return figures


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="transcribe again instead of reusing bench/.work transcripts")
    parser.add_argument("--no-piper", action="store_true", help="leave out the Piper re-dub of the English transcript")
    parser.add_argument("--lessons", action="store_true", help="the synthesized sample lessons instead of the real recordings")
    parser.add_argument("--keep", type=Path, help="write the outputs here and keep them (default: a temporary folder)")
    args = parser.parse_args(argv)
    if not SHARED_EVAL.is_dir():
        raise SystemExit(f"the evaluation set is not at {SHARED_EVAL}")
    results = header("lingoflow dub fit and captions" + (" (quick)" if args.quick else ""))
    results["lessons_fit" if args.lessons else "real_fit"] = run(args.quick, args.keep, args.fresh, not args.no_piper, args.lessons)
    name = "lessons-fit" if args.lessons else "real-fit"
    save(f"{name}-quick" if args.quick else name, results, args.quick)
    return results


if __name__ == "__main__":
    main()
