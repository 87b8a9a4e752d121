"""A library run's artifacts in Prefect: a table with one row per file, a markdown summary,
links to report.html and each file's output, and a progress bar that advances as files finish.

Keys are stable per deployment (per output folder outside one), so the UI's Artifacts page
keeps the history of e.g. every nightly run side by side. Rows and text are built by plain
functions (unit-tested without a server); `create_*` calls Prefect. Nothing here carries a
credential: S3 links are pre-signed (the URL holds the access key id and a signature with a
bounded lifetime, never the secret key).
"""
from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from lingoflow.store.cache import digest
from lingoflow.errors import ConfigError
from lingoflow.asr.language import describe as describe_language
from lingoflow.report import ItemReport
from lingoflow.store.storage import is_s3, split_s3

MAX_OUTPUT_LINKS = 100  # per-file link artifacts in one run; beyond, report.html lists them
MAX_LISTED_FAILURES = 50  # failures spelled out in the markdown summary
LINK_HOURS_DEFAULT, LINK_HOURS_MAX = 24, 168  # S3 SigV4 allows at most 7 days


def key_slug(text: str, limit: int = 60) -> str:
    """An artifact key part: lowercase letters, digits and dashes only (Prefect's rule)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")
    return slug or "x"


def key_prefix(deployment_name: str | None, out: str) -> str:
    """lingoflow-<deployment> (stable across its runs), else lingoflow-<out folder>-<hash>."""
    if deployment_name:
        return f"lingoflow-{key_slug(deployment_name)}"
    name = out.rstrip("/").rsplit("/", 1)[-1] if is_s3(out) else Path(out).name
    return f"lingoflow-{key_slug(name or 'library', 40)}-{digest(out)[:8]}"


def file_seconds(report: ItemReport) -> float:
    return round(sum(s.seconds for s in report.stages.values()), 3)


def cached_label(report: ItemReport) -> str:
    """'cached' (nothing ran), 'run' (every stage ran), or 'run (k of n stages cached)'."""
    stages = list(report.stages.values())
    hits = sum(1 for s in stages if s.cached)
    if stages and hits == len(stages):
        return "cached"
    return f"run ({hits} of {len(stages)} stages cached)" if hits else "run"


def glossary_label(report: ItemReport) -> str:
    parts = [f"{lang} {g.honored}/{g.applied}" for lang, g in sorted(report.glossary.items())]
    return ", ".join(parts) or "-"


def captions_label(report: ItemReport) -> str:
    """Per language: the share of cues within its reading norms, the fastest cue, words condensed away."""
    return ", ".join(f"{lang} {q.within_norms:.0%} (max {q.fastest_cps:g} cps, -{q.words_condensed} words)"
                     for lang, q in sorted(report.captions.items())) or "-"


def speedup_label(report: ItemReport) -> str:
    return ", ".join(f"{lang} {f.speedup_median:.2f}/{f.speedup_p90:.2f}/{f.max_effective_speed:.2f}x"
                     for lang, f in sorted(report.dub_fit.items())) or "-"


def table_rows(reports: list[ItemReport]) -> list[dict]:
    """One row per file, with the columns a user scans for (docs/deployment.md)."""
    rows = []
    for r in reports:
        seconds = file_seconds(r)
        rows.append({
            "item": r.item,
            "status": r.status,
            "language": r.language or "",
            "language decided by": describe_language(r.language_id),
            "targets": ", ".join(r.targets),
            "audio (s)": round(r.audio_seconds, 1),
            "real-time factor": round(r.audio_seconds / seconds, 2) if seconds > 0 and r.audio_seconds else None,
            "speakers": len(r.speakers),
            "glossary honored": glossary_label(r),
            "captions within norms": captions_label(r),
            "dub speed-up (median/p90/max)": speedup_label(r),
            "cached or run": cached_label(r),
            "input warnings": r.input_quality.label() if r.input_quality else "",
            "error": r.error or "",  # last: a long cause must not push the figures out of view
        })
    return rows


def _md(text: str) -> str:
    """Plain text inside markdown: no markup, no links, one line."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", " ".join(str(text).split()))


def summary_markdown(report: dict, out_display: str, report_link: str | None) -> str:
    items = report["items"]
    failed = [i for i in items if i["status"] != "ok"]
    cached = sum(1 for i in items if i["stages"] and all(s["cached"] for s in i["stages"].values()))
    rtf = report.get("realtime_factor")
    lines = [
        f"# Library run: {len(items)} file(s), {len(failed)} failed",
        "",
        "| files | ok | failed | fully cached | audio | wall time | real time |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {len(items)} | {len(items) - len(failed)} | {len(failed)} | {cached} | {report['audio_seconds']:.1f} s "
        f"| {report['wall_seconds']:.1f} s | {f'{rtf:.2f}x' if rtf else '-'} |",
        "",
        f"Outputs: `{out_display.replace('`', '')}`" + (f" · [report.html]({report_link})" if report_link else ""),
    ]
    if report.get("publish_error"):
        lines += ["", f"**Upload failed:** {_md(report['publish_error'])}"]
    if failed:
        lines += ["", "## Failures", ""]
        lines += [f"- **{_md(i['item'])}**: {_md(i['error'] or 'failed')}" for i in failed[:MAX_LISTED_FAILURES]]
        if len(failed) > MAX_LISTED_FAILURES:
            lines.append(f"- ... and {len(failed) - MAX_LISTED_FAILURES} more (report.html lists them all)")
    return "\n".join(lines) + "\n"


def main_output(report: ItemReport) -> str | None:
    """The file's localized container (its last output), else its first output."""
    for rel in reversed(report.outputs):
        if ".localized." in rel:
            return rel
    return report.outputs[0] if report.outputs else None


def link_hours() -> int:
    raw = os.environ.get("LINGOFLOW_LINK_HOURS", str(LINK_HOURS_DEFAULT))
    try:
        hours = int(raw)
    except ValueError:
        raise ConfigError(f"LINGOFLOW_LINK_HOURS must be a whole number of hours, got {raw!r}") from None
    if not 1 <= hours <= LINK_HOURS_MAX:
        raise ConfigError(f"LINGOFLOW_LINK_HOURS must be 1-{LINK_HOURS_MAX} (pre-signed S3 links last at most 7 days)")
    return hours


class Linker:
    """URLs for files under OUT: file:// for a local folder, pre-signed GETs for s3://."""

    def __init__(self, out: str, s3_config=None):
        self.out = out
        self.s3 = s3_config
        self._client = None

    def url(self, rel: str) -> str:
        if not is_s3(self.out):
            return (Path(self.out).resolve() / rel).as_uri()
        from lingoflow.store import s3client

        bucket, prefix = split_s3(self.out)
        key = f"{prefix}/{rel}" if prefix else rel
        if self._client is None:
            self._client = s3client.make_client(self.s3)
        expires = timedelta(hours=link_hours())
        return s3client.call(self.s3.endpoint, f"s3://{bucket}/{key}", lambda: self._client.presigned_get_object(bucket, key, expires=expires))

    def display(self, rel: str = "") -> str:
        base = self.out.rstrip("/") if is_s3(self.out) else str(Path(self.out).resolve())
        return f"{base}/{quote(rel, safe='/')}" if rel else base


def create_progress(prefix: str, flow_run_id, done: int, total: int):
    from prefect.artifacts import ProgressArtifact

    return ProgressArtifact(key=f"{prefix}-progress", progress=_percent(done, total), flow_run_id=flow_run_id,
                            description=f"{done} of {total} file(s) finished").create().id


def update_progress(artifact_id, done: int, total: int) -> None:
    from prefect.artifacts import update_progress_artifact

    update_progress_artifact(artifact_id, _percent(done, total), description=f"{done} of {total} file(s) finished")


def _percent(done: int, total: int) -> float:
    return round(100.0 * done / total, 1) if total else 100.0


def create_run_artifacts(prefix: str, flow_run_id, report: dict, linker: Linker, log) -> str | None:
    """The table, the summary and the links, attached to the flow run a user opens; returns
    the link to report.html (None when there is none)."""
    from prefect.artifacts import LinkArtifact, MarkdownArtifact, TableArtifact

    items = [ItemReport.from_dict(i) for i in report["items"]]
    failed = report["failed"]
    TableArtifact(key=f"{prefix}-files", table=table_rows(items), flow_run_id=flow_run_id,
                  description=f"{len(items)} file(s), {failed} failed: status, cause, language, figures").create()
    report_link = link_or_none(linker, "report.html", log)
    MarkdownArtifact(key=f"{prefix}-summary", markdown=summary_markdown(report, linker.display(), report_link), flow_run_id=flow_run_id,
                     description="Counts, failures with their causes, the run's figures").create()
    if report_link:
        LinkArtifact(key=f"{prefix}-report", link=report_link, link_text=linker.display("report.html"), flow_run_id=flow_run_id,
                     description="The run's review page (report.html)").create()
    for r in [r for r in items if r.status == "ok" and main_output(r)][:MAX_OUTPUT_LINKS]:
        rel = main_output(r)
        link = link_or_none(linker, rel, log)
        if link:  # no key: these belong to this run's page, not the Artifacts page's history
            LinkArtifact(link=link, link_text=linker.display(rel), flow_run_id=flow_run_id, description=f"{r.item}: localized output").create()
    return report_link


def link_or_none(linker: Linker, rel: str, log) -> str | None:
    try:
        return linker.url(rel)
    except Exception as exc:  # a link is a convenience: the run's outcome never depends on it
        log.warning("no link to %s: %s", rel, exc)
        return None
