"""Render the static review pages: OUT/report.html and OUT/<item>/review.html.

Each page is one self-contained HTML file (CSS and script inline, data embedded as JSON): it
opens from file:// with no server and loads nothing from the network; media, captions and
transcripts are referenced by relative links to the files beside it.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import jinja2

from ..store.atomic import write_text
from ..paths import inside
from ..report import ItemReport, RunReport
from . import data, timeline

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"


def _stamp(t: float) -> str:
    """m:ss.s, for segment times."""
    m, s = divmod(float(t), 60)
    return f"{int(m)}:{s:04.1f}"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["clock"] = timeline._clock
    env.filters["stamp"] = _stamp
    env.filters["seconds"] = lambda v: f"{float(v):.1f} s" if v is not None else ""
    return env


def render_library(report: RunReport, out: Path, without_page: set[str] = frozenset()) -> str:
    rows = data.library_rows(report, out)
    for row in rows:
        if row["item"] in without_page:
            row["page"] = None
    counts = {"all": len(rows), "ok": sum(r["status"] == "ok" for r in rows), "failed": sum(r["status"] != "ok" for r in rows)}
    generated = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    people = data.library_people(report, out)
    return _env().get_template("report.html.j2").render(report=report, rows=rows, counts=counts, generated=generated, people=people)


def render_item(entry: ItemReport, out: Path) -> str:
    page = data.item_page(entry, out)
    script_data = {k: page[k] for k in ("item", "duration", "video", "dubs", "captions", "language", "targets")}
    script_data["segments"] = [{"id": s["id"], "start": s["start"], "end": s["end"]} for s in page["segments"]]
    return _env().get_template("item.html.j2").render(page=page, tl=timeline.build(page), script_data=script_data)


def write_pages(report: dict, out: str | os.PathLike) -> list[Path]:
    """Write every item page, then the library page (each atomically); return their paths.
    ``report``: report.json's content (RunReport.to_dict)."""
    root = Path(out).resolve()
    run = RunReport.from_dict(report)
    written, broken = [], set()
    for entry in run.items:
        item = entry.item
        if item and data.has_page(root, item):
            try:
                written.append(write_text(inside(root, item, "review.html"), render_item(entry, root)))
            except Exception as exc:  # a file whose outputs cannot be read never stops the library page
                log.warning("%s: no review page: %s: %s", item, type(exc).__name__, exc)
                broken.add(item)
    written.append(write_text(inside(root, "report.html"), render_library(run, root, broken)))
    return written
