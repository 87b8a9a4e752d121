"""What `lingoflow evaluate` writes: evaluation.json, evaluation.html (beside the review pages,
each file linked to its review page when OUT holds a localize run's outputs) and the rows of the
terminal table and the Prefect table artifact (one row per file and model, worst first)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..store.atomic import write_text
from .evaluate import Evaluation, FileResult


def _pct(v) -> str:
    return f"{100 * v:.1f} %" if v is not None else "-"


def review_pages(out: Path, files: list[FileResult]) -> None:
    """Link each file to OUT/<item>/review.html, when OUT's report.json localized it."""
    report = out / "report.json"
    if not report.is_file():
        return
    try:
        items = json.loads(report.read_text(encoding="utf-8")).get("items", [])
    except (OSError, ValueError):
        return
    by_source = {os.path.realpath(i.get("source", "")): i.get("item") for i in items if i.get("item")}
    for f in files:
        item = by_source.get(os.path.realpath(f.media))
        if item and (out / item / "review.html").is_file():
            f.review_page = f"{item}/review.html"


def rows(ev: Evaluation) -> list[dict]:
    """One row per file and model, worst first (terminal table, Prefect table artifact)."""
    out = []
    for f in ev.worst_first():
        t = f.text or {}
        out.append({"file": f.key, "model": f.model, "WER": _pct(t.get("wer")), "CER": _pct(t.get("cer")),
                    "S/D/I": f"{t['substitutions']}/{t['deletions']}/{t['insertions']}" if t else "-",
                    "DER": _pct(f.der), "offset (s)": f"{f.timing_offset:+.2f}" if f.timing_offset is not None else "-",
                    "x real time": f"{f.audio_seconds / f.asr_seconds:.1f}" if f.asr_seconds else "-",
                    "error": f.error or ""})
    return out


def total_rows(ev: Evaluation) -> list[dict]:
    out = []
    for model in ev.models:
        t = ev.totals.get(model, {})
        out.append({"model": model, "files": t.get("files"), "WER": _pct(t.get("wer")), "CER": _pct(t.get("cer")),
                    "S/D/I": f"{t.get('substitutions')}/{t.get('deletions')}/{t.get('insertions')}", "DER (mean)": _pct(t.get("der_mean")),
                    "x real time": t.get("realtime_factor") or "-", "failed": t.get("failed", 0)})
    return out


def write(ev: Evaluation, out: Path) -> tuple[Path, Path]:
    import jinja2

    out.mkdir(parents=True, exist_ok=True)
    review_pages(out, ev.files)
    data = ev.to_dict()
    json_path = write_text(out / "evaluation.json", json.dumps(data, indent=2, ensure_ascii=False))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parents[1] / "review" / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    html = env.get_template("evaluation.html.j2").render(ev=ev, rows=rows(ev), totals=total_rows(ev),
                                                         pages={(f.key, f.model): f.review_page for f in ev.files})
    return json_path, write_text(out / "evaluation.html", html)


def print_table(ev: Evaluation, console) -> None:
    from rich.table import Table

    for title, data in (("per file, worst first", rows(ev)), ("library", total_rows(ev))):
        if not data:
            continue
        table = Table(title=f"lingoflow evaluate: {title}")
        for column in data[0]:
            table.add_column(column, overflow="fold", no_wrap=column in ("file", "model"))
        for row in data:
            table.add_row(*(str(v) for v in row.values()))
        console.print(table)
    for p in ev.problems:
        console.print(f"[yellow]skipped:[/] {p}", highlight=False, soft_wrap=True)
