"""What the review pages show, gathered from report.json and the files in each item folder.

Plain dicts for the templates. Fields that other parts of lingoflow add to the report over
time (speakers, voices, glossary adherence, cached stages) are shown when present and
skipped when absent, whatever their exact shape.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

import pysubs2

from .. import dubfit
from ..schema import Transcript

LOW_CONFIDENCE = 0.5  # word probability under which a word is marked for the reviewer
MEDIA_SUFFIXES = (".mp4", ".mkv", ".mka")


def _load_transcript(path: Path) -> Transcript | None:
    try:
        return Transcript.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _short(value, limit: int = 80) -> str:
    """A one-line rendering of a report field of unknown shape."""
    if value is None or value == {} or value == []:
        return ""
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, dict):
        text = ", ".join(f"{k}: {_short(v, 30)}" for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        text = ", ".join(_short(v, 30) if not isinstance(v, dict) else _short(v.get("name") or v.get("id") or v.get("label") or v, 30) for v in value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def speakers_of(entry: dict, transcript: Transcript | None = None) -> list[str]:
    """Speaker labels: from the report when it lists them, else from the transcript's segments."""
    given = entry.get("speakers")
    if isinstance(given, dict):
        return [str(k) for k in given]
    if isinstance(given, list) and given:
        return [str(s.get("speaker") or s.get("label") or s.get("name") or s.get("id")) if isinstance(s, dict) else str(s) for s in given]
    if transcript is not None:
        return sorted({s.speaker for s in transcript.segments if s.speaker})
    return []


def voices_of(entry: dict) -> str:
    """Which voice profile each speaker got, when the run cast voices."""
    given = entry.get("speakers")
    if isinstance(given, list) and any(isinstance(s, dict) and s.get("profile") for s in given):
        return ", ".join(f"{s.get('speaker')}: {s.get('profile')}" for s in given if isinstance(s, dict) and s.get("profile"))
    return _short(entry.get("voices") or entry.get("voice_profiles"))


def glossary_of(entry: dict) -> str:
    """Glossary adherence per language, in a few words (the field comes from the glossary feature)."""
    value = entry.get("glossary_adherence", entry.get("glossary"))
    if isinstance(value, dict):
        parts = []
        for lang, v in value.items():
            if isinstance(v, (int, float)):
                parts.append(f"{lang}: {v:.0%}" if v <= 1 else f"{lang}: {v}")
            elif isinstance(v, dict) and "applied" in v and "honored" in v:  # lingoflow's own glossary summary
                applied, honored = int(v["applied"] or 0), int(v["honored"] or 0)
                text = f"{lang}: {honored / applied:.0%} ({honored}/{applied} terms)" if applied else f"{lang}: no terms"
                missed = v.get("missed") or {}
                if isinstance(missed, dict) and missed:
                    text += ", missed " + ", ".join(f"{term} ×{n}" for term, n in list(missed.items())[:5])
                parts.append(text)
            elif isinstance(v, dict):
                score = v.get("adherence", v.get("rate", v.get("score")))
                if isinstance(score, (int, float)):
                    extra = f" ({v['applied']}/{v['total']})" if "applied" in v and "total" in v else ""
                    parts.append(f"{lang}: {score:.0%}{extra}")
                else:
                    parts.append(f"{lang}: {_short(v, 40)}")
            else:
                parts.append(f"{lang}: {_short(v, 40)}")
        return "; ".join(parts)
    return _short(value)


def fit_problems(entry: dict) -> tuple[str, int]:
    """A short description of the dub fit per language, and how many segments overflowed."""
    parts, overflowed = [], 0
    for lang, fit in (entry.get("dub_fit") or {}).items():
        if not isinstance(fit, dict):
            continue
        over = len(fit.get("overflowed") or [])
        overflowed += over
        text = f"{lang}: {fit.get('sped_up', 0)}/{fit.get('segments', 0)} sped up"
        if fit.get("sped_up"):
            text += f" (max {fit.get('max_speed', 1.0):.2f}x)"
        if fit.get("slowed"):
            text += f", {fit['slowed']} slowed"
        if over:
            text += f", {over} cut"
        parts.append(text)
    return "; ".join(parts), overflowed


def processing_seconds(entry: dict) -> float:
    return sum(float(s.get("seconds") or 0) for s in (entry.get("stages") or {}).values() if isinstance(s, dict))


def _redubbed(lang: str, ids: list, entry: dict) -> str:
    """Which segments were spoken in this run: all of them on a first run, the edited ones after."""
    total = ((entry.get("dub_fit") or {}).get(lang) or {}).get("segments")
    if not ids:
        return f"{lang}: none spoken"
    if total and len(ids) >= total:
        return f"{lang}: all {total} spoken"
    return f"{lang}: #{', #'.join(map(str, ids))} spoken"


def library_rows(report: dict, out: Path) -> list[dict]:
    rows = []
    for entry in report.get("items", []):
        item = entry.get("item", "")
        transcript = _load_transcript(out / item / "transcript.json") if item else None
        seconds = processing_seconds(entry)
        audio = float(entry.get("audio_seconds") or 0)
        fit, overflowed = fit_problems(entry)
        stages = entry.get("stages") or {}
        cached = sum(1 for s in stages.values() if isinstance(s, dict) and s.get("cached"))
        edited = sum(len(v) for v in (entry.get("edited") or {}).values())
        redubbed = {lang: ids for lang, ids in (entry.get("resynthesized") or {}).items()}
        rows.append({
            "item": item,
            "source": entry.get("source", ""),
            "status": entry.get("status", "failed"),
            "error": entry.get("error"),
            "language": entry.get("language") or "",
            "targets": entry.get("targets") or [],
            "audio_seconds": audio,
            "rtf": round(audio / seconds, 2) if seconds > 0 else None,
            "speakers": speakers_of(entry, transcript),
            "voices": voices_of(entry),
            "glossary": glossary_of(entry),
            "fit": fit,
            "overflowed": overflowed,
            "cached": f"{cached}/{len(stages)}" if cached else "",
            "edited": edited,
            "redubbed": "; ".join(_redubbed(lang, ids, entry) for lang, ids in redubbed.items()),
            "page": f"{item}/review.html" if has_page(out, item) else None,
        })
    return rows


def library_people(report: dict, out: Path) -> list[dict]:
    """Each library speaker (report.json speakers' `library_id`) with the files they speak in,
    the one heard longest first; only files of this run's report."""
    people: dict[str, dict] = {}
    for entry in report.get("items", []):
        item = entry.get("item", "")
        for s in entry.get("speakers") or []:
            if not isinstance(s, dict) or not s.get("library_id"):
                continue
            person = people.setdefault(s["library_id"], {"id": s["library_id"], "seconds": 0.0, "files": [], "profiles": []})
            person["seconds"] += float(s.get("seconds") or 0)
            person["files"].append({"item": item, "speaker": s.get("speaker"), "seconds": float(s.get("seconds") or 0),
                                    "page": f"{item}/review.html" if has_page(out, item) else None})
            if s.get("profile") and s["profile"] not in person["profiles"]:
                person["profiles"].append(s["profile"])
    return sorted(people.values(), key=lambda p: (-len(p["files"]), -p["seconds"], p["id"]))


def has_page(out: Path, item: str) -> bool:
    """A file gets its own page when its folder holds a transcript (failed files may not)."""
    return bool(item) and (out / item / "transcript.json").is_file()


def _captions(path: Path) -> list[list]:
    try:
        subs = pysubs2.load(str(path), encoding="utf-8")
    except Exception:  # a missing or damaged caption file leaves the language without captions
        return []
    return [[round(e.start / 1000, 3), round(e.end / 1000, 3), e.plaintext] for e in subs]


def _media_sources(folder: Path, entry: dict) -> list[str]:
    """Relative URLs for the player: the localized container first, then the source itself."""
    sources = sorted(p.name for p in folder.glob("*.localized.*") if p.suffix in MEDIA_SUFFIXES)
    src = entry.get("source") or ""
    if src and "://" not in src and Path(src).is_file():
        sources.append(quote(Path(os.path.relpath(src, folder)).as_posix()))  # a name may hold '#' or '?'
    return sources


def text_source_of(entry: dict, transcript: Transcript | None) -> list[str]:
    """Where the source text came from: human captions (which, how much aligned) or those
    rejected; nothing for plain speech recognition with no captions found."""
    from ..sidecar import describe

    return describe(entry.get("text_source") or (transcript.text_source if transcript else None))


def item_page(entry: dict, out: Path) -> dict:
    """Everything the per-file page shows for one report item."""
    item = entry["item"]
    folder = out / item
    transcript = _load_transcript(folder / "transcript.json")
    targets = [t for t in entry.get("targets") or [] if (folder / f"transcript.{t}.json").is_file()]
    translations = {t: _load_transcript(folder / f"transcript.{t}.json") for t in targets}
    fits = {t: dubfit.read(folder / f"dub.{t}.fit.json") or {} for t in targets}
    fit_by_id = {t: {s["id"]: s for s in f.get("segments", [])} for t, f in fits.items()}
    source_lang = transcript.language if transcript else entry.get("language") or ""
    partial = {t: 0 < len(f.get("resynthesized") or []) < len(f.get("segments") or []) for t, f in fits.items()}
    segments = []
    for seg in transcript.segments if transcript else []:
        words = [{"text": w.text, "p": w.probability, "low": w.probability < LOW_CONFIDENCE} for w in seg.words]
        row = {"id": seg.id, "start": seg.start, "end": seg.end, "speaker": seg.speaker or "", "text": seg.text.strip(),
               "confidence": seg.confidence, "words": words, "low": sum(1 for w in words if w["low"]), "translations": {}}
        for t, tr in translations.items():
            match = next((s for s in tr.segments if s.id == seg.id), None) if tr else None
            fit = fit_by_id[t].get(seg.id, {})
            row["translations"][t] = {
                "text": match.text.strip() if match else "",
                "edited": bool(match and match.edited),
                "speed": fit.get("speed"),
                "overflow": fit.get("overflow") or 0.0,
                # marked only on a partial re-dub: on a first run every segment is new
                "redubbed": bool(fit.get("resynthesized")) and partial[t],
            }
        segments.append(row)
    languages = [source_lang] + targets if source_lang else targets
    duration = float(entry.get("audio_seconds") or (transcript.source.duration if transcript else 0) or 0)
    has_video = any(s.endswith((".mp4", ".mkv")) for s in _media_sources(folder, entry)[:1])
    return {
        "item": item,
        "entry": entry,
        "status": entry.get("status", "failed"),
        "error": entry.get("error"),
        "language": source_lang,
        "targets": targets,
        "duration": duration,
        "video": has_video,
        "media": _media_sources(folder, entry),
        "dubs": [{"lang": t, "src": f"dub.{t}.wav"} for t in targets if (folder / f"dub.{t}.wav").is_file()],
        "captions": {lang: _captions(folder / f"captions.{lang}.vtt") for lang in languages if (folder / f"captions.{lang}.vtt").is_file()},
        "segments": segments,
        "fits": fits,
        "speakers": speakers_of(entry, transcript),
        "voices": voices_of(entry),
        "glossary": glossary_of(entry),
        "text_source": text_source_of(entry, transcript),
        "fit": fit_problems(entry)[0],
        "edited": entry.get("edited") or {},
        "redubbed": entry.get("resynthesized") or {},
        "rtf": round(float(entry.get("audio_seconds") or 0) / processing_seconds(entry), 2) if processing_seconds(entry) > 0 else None,
        "stages": {k: v for k, v in (entry.get("stages") or {}).items() if isinstance(v, dict)},
        "cached": sum(1 for v in (entry.get("stages") or {}).values() if isinstance(v, dict) and v.get("cached")),
    }
