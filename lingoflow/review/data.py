"""What the review pages show, gathered from report.json and the files in each item folder.

The report is read through its types (lingoflow.report: RunReport, ItemReport and theirs) and
the fit files through dubfit.FitFile; the templates get plain dicts. A field an older report
lacks is shown empty.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

import pysubs2

from ..dub import fit as dubfit
from ..asr.language import describe as describe_language
from ..report import ItemReport, RunReport
from ..schema import Transcript

LOW_CONFIDENCE = 0.5  # word probability under which a word is marked for the reviewer
MEDIA_SUFFIXES = (".mp4", ".mkv", ".mka")


def _load_transcript(path: Path) -> Transcript | None:
    try:
        return Transcript.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def speakers_of(entry: ItemReport, transcript: Transcript | None = None) -> list[str]:
    """Speaker labels: from the report when it lists them, else from the transcript's segments."""
    if entry.speakers:
        return [s.speaker for s in entry.speakers]
    if transcript is not None:
        return sorted({s.speaker for s in transcript.segments if s.speaker})
    return []


def voices_of(entry: ItemReport) -> str:
    """Which voice profile each speaker got, when the run cast voices."""
    return ", ".join(f"{s.speaker}: {s.profile}" for s in entry.speakers if s.profile)


def glossary_of(entry: ItemReport) -> str:
    """Glossary adherence per language, in a few words: honored of applied, and the terms missed."""
    parts = []
    for lang, g in entry.glossary.items():
        text = f"{lang}: {g.honored / g.applied:.0%} ({g.honored}/{g.applied} terms)" if g.applied else f"{lang}: no terms"
        if g.missed:
            text += ", missed " + ", ".join(f"{term} ×{n}" for term, n in list(g.missed.items())[:5])
        parts.append(text)
    return "; ".join(parts)


def input_quality_of(entry: ItemReport) -> dict:
    """The recording's input-quality score and warnings (quality/input_checks.py), when measured."""
    q = entry.input_quality
    return {"input_score": q.score if q else None,
            "input_warnings": [{"name": w.name, "severity": w.severity, "message": w.message} for w in q.warnings] if q else []}


def fit_problems(entry: ItemReport) -> tuple[str, int]:
    """A short description of the dub fit per language, and how many segments overflowed."""
    parts, overflowed = [], 0
    for lang, fit in entry.dub_fit.items():
        over = len(fit.overflowed)
        overflowed += over
        text = f"{lang}: {fit.sped_up}/{fit.segments} sped up"
        if fit.sped_up:
            text += f" (max {fit.max_speed:.2f}x)"
        if fit.slowed:
            text += f", {fit.slowed} slowed"
        if over:
            text += f", {over} cut"
        parts.append(text)
    return "; ".join(parts), overflowed


def processing_seconds(entry: ItemReport) -> float:
    return sum(s.seconds for s in entry.stages.values())


def _rtf(entry: ItemReport) -> float | None:
    seconds = processing_seconds(entry)
    return round(entry.audio_seconds / seconds, 2) if seconds > 0 else None


def _cached(entry: ItemReport) -> int:
    return sum(1 for s in entry.stages.values() if s.cached)


def _redubbed(lang: str, ids: list[int], entry: ItemReport) -> str:
    """Which segments were spoken in this run: all of them on a first run, the edited ones after."""
    fit = entry.dub_fit.get(lang)
    total = fit.segments if fit else 0
    if not ids:
        return f"{lang}: none spoken"
    if total and len(ids) >= total:
        return f"{lang}: all {total} spoken"
    return f"{lang}: #{', #'.join(map(str, ids))} spoken"


def library_rows(report: RunReport, out: Path) -> list[dict]:
    rows = []
    for entry in report.items:
        item = entry.item
        transcript = _load_transcript(out / item / "transcript.json") if item else None
        fit, overflowed = fit_problems(entry)
        cached = _cached(entry)
        rows.append({
            "item": item,
            "source": entry.source,
            "status": entry.status,
            "error": entry.error,
            "language": entry.language or "",
            "language_how": describe_language(entry.language_id),
            "targets": entry.targets,
            "audio_seconds": entry.audio_seconds,
            "rtf": _rtf(entry),
            "speakers": speakers_of(entry, transcript),
            "voices": voices_of(entry),
            "glossary": glossary_of(entry),
            "fit": fit,
            "overflowed": overflowed,
            "cached": f"{cached}/{len(entry.stages)}" if cached else "",
            "edited": sum(len(v) for v in entry.edited.values()),
            "redubbed": "; ".join(_redubbed(lang, ids, entry) for lang, ids in entry.resynthesized.items()),
            "page": f"{item}/review.html" if has_page(out, item) else None,
            **input_quality_of(entry),
        })
    return rows


def library_people(report: RunReport, out: Path) -> list[dict]:
    """Each library speaker (report.json speakers' `library_id`) with the files they speak in,
    the one heard longest first; only files of this run's report."""
    people: dict[str, dict] = {}
    for entry in report.items:
        for s in entry.speakers:
            if not s.library_id:
                continue
            person = people.setdefault(s.library_id, {"id": s.library_id, "seconds": 0.0, "files": [], "profiles": []})
            person["seconds"] += s.seconds
            person["files"].append({"item": entry.item, "speaker": s.speaker, "seconds": s.seconds,
                                    "page": f"{entry.item}/review.html" if has_page(out, entry.item) else None})
            if s.profile and s.profile not in person["profiles"]:
                person["profiles"].append(s.profile)
    return sorted(people.values(), key=lambda p: (-len(p["files"]), -p["seconds"], p["id"]))


def has_page(out: Path, item: str) -> bool:
    """A file gets its own page when its folder holds a transcript (failed files may not)."""
    return bool(item) and (out / item / "transcript.json").is_file()


OVER_SPEEDUP = 1.3  # a dub line heard faster than this is highlighted (open-dubbing's cap)


def caption_qc(entry: ItemReport, folder: Path, languages: list[str]) -> list[dict]:
    """Per caption language: the share of cues within its reading norms, the fastest cue, the words
    condensed away, and the cues over the norms (number, times, text, characters a second)."""
    out = []
    for lang in languages:
        qc = entry.captions.get(lang)
        if qc is None:
            continue
        cues = _captions(folder / f"captions.{lang}.vtt")
        over = []
        for n in qc.over_norm:
            if 0 < n <= len(cues):
                start, end, text = cues[n - 1]
                over.append({"n": n, "start": start, "end": end, "text": text,
                             "cps": round(len(text.replace("\n", "")) / (end - start), 1) if end > start else None})
        out.append({"lang": lang, "within": qc.within_norms, "cues": qc.cues, "fastest": qc.fastest_cps, "norm": qc.max_cps,
                    "condensed": qc.words_condensed, "over": over})
    return out


def _captions(path: Path) -> list[list]:
    try:
        subs = pysubs2.load(str(path), encoding="utf-8")
    except Exception:  # a missing or damaged caption file leaves the language without captions
        return []
    return [[round(e.start / 1000, 3), round(e.end / 1000, 3), e.plaintext] for e in subs]


def _media_sources(folder: Path, entry: ItemReport) -> list[str]:
    """Relative URLs for the player: the localized container first, then the source itself."""
    sources = sorted(p.name for p in folder.glob("*.localized.*") if p.suffix in MEDIA_SUFFIXES)
    src = entry.source
    if src and "://" not in src and Path(src).is_file():
        sources.append(quote(Path(os.path.relpath(src, folder)).as_posix()))  # a name may hold '#' or '?'
    return sources


def text_source_of(entry: ItemReport, transcript: Transcript | None) -> list[str]:
    """Where the source text came from: human captions (which, how much aligned) or those
    rejected; nothing for plain speech recognition with no captions found."""
    from ..captions.sidecar import describe

    return describe(entry.text_source or (transcript.text_source if transcript else None))


def _segment_rows(transcript: Transcript | None, translations: dict[str, Transcript | None],
                  fits: dict[str, dubfit.FitFile | None]) -> list[dict]:
    """The page's table: each source segment with its words and, per target, its translation and fit."""
    fit_by_id = {t: {s.id: s for s in f.segments} if f else {} for t, f in fits.items()}
    # marked only on a partial re-dub: on a first run every segment is new
    partial = {t: bool(f) and 0 < len(f.resynthesized) < len(f.segments) for t, f in fits.items()}
    rows = []
    for seg in transcript.segments if transcript else []:
        words = [{"text": w.text, "p": w.probability, "low": w.probability < LOW_CONFIDENCE} for w in seg.words]
        row = {"id": seg.id, "start": seg.start, "end": seg.end, "speaker": seg.speaker or "", "text": seg.text.strip(),
               "confidence": seg.confidence, "words": words, "low": sum(1 for w in words if w["low"]), "translations": {}}
        for t, tr in translations.items():
            match = next((s for s in tr.segments if s.id == seg.id), None) if tr else None
            fit = fit_by_id[t].get(seg.id)
            row["translations"][t] = {
                "text": match.text.strip() if match else "",
                "edited": bool(match and match.edited),
                "speed": (fit.speedup if fit.speedup != 1.0 else fit.speed * fit.engine_speed) if fit else None,
                "over": bool(fit) and (fit.speedup if fit.speedup != 1.0 else fit.speed * fit.engine_speed) > OVER_SPEEDUP,
                "overflow": fit.overflow if fit else 0.0,
                "redubbed": bool(fit and fit.resynthesized) and partial[t],
            }
        rows.append(row)
    return rows


def item_page(entry: ItemReport, out: Path) -> dict:
    """Everything the per-file page shows for one report item."""
    item = entry.item
    folder = out / item
    transcript = _load_transcript(folder / "transcript.json")
    targets = [t for t in entry.targets if (folder / f"transcript.{t}.json").is_file()]
    translations = {t: _load_transcript(folder / f"transcript.{t}.json") for t in targets}
    fits = {t: dubfit.read(folder / f"dub.{t}.fit.json") for t in targets}  # None: no dub (an empty timeline row)
    source_lang = transcript.language if transcript else entry.language or ""
    languages = [source_lang] + targets if source_lang else targets
    media = _media_sources(folder, entry)
    return {
        "item": item,
        "status": entry.status,
        "error": entry.error,
        "language": source_lang,
        "language_how": describe_language(entry.language_id),
        "targets": targets,
        "duration": entry.audio_seconds or (transcript.source.duration if transcript else 0.0) or 0.0,
        "video": any(s.endswith((".mp4", ".mkv")) for s in media[:1]),
        "media": media,
        "dubs": [{"lang": t, "src": f"dub.{t}.wav"} for t in targets if (folder / f"dub.{t}.wav").is_file()],
        "captions": {lang: _captions(folder / f"captions.{lang}.vtt") for lang in languages if (folder / f"captions.{lang}.vtt").is_file()},
        "segments": _segment_rows(transcript, translations, fits),
        "fits": fits,
        "speakers": speakers_of(entry, transcript),
        "voices": voices_of(entry),
        "glossary": glossary_of(entry),
        "text_source": text_source_of(entry, transcript),
        "fit": fit_problems(entry)[0],
        "caption_qc": caption_qc(entry, folder, languages),
        "edited": entry.edited,
        "redubbed": entry.resynthesized,
        "rtf": _rtf(entry),
        "stages": entry.stages,
        "cached": _cached(entry),
        **input_quality_of(entry),
    }
