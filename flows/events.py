"""A library run's events, through Prefect's events API, for automations and platforms to react to.

- lingoflow.file.completed / lingoflow.file.failed: one per file as it finishes (a fully
  cached file too, with "cached": true in its figures);
- lingoflow.library.completed: once per run, after report.json is written.

Resources: the library is `lingoflow.library.<folder>-<hash of the inputs>`, a file
`lingoflow.file.<library part>.<item>`; every event is related to its library (role
"library"), the flow run a user opens and its deployment, so an automation can filter on
either. The resource label `lingoflow.status` ("ok" / "failed") lets a trigger match runs
with failed files without reading the payload (deployments/automations.yaml).
"""
from __future__ import annotations

from pathlib import Path

from lingoflow.store.cache import digest
from lingoflow.report import ItemReport
from lingoflow.store.storage import is_s3

from .artifacts import MAX_LISTED_FAILURES, cached_label, file_seconds, key_slug

FILE_COMPLETED, FILE_FAILED, LIBRARY_COMPLETED = "lingoflow.file.completed", "lingoflow.file.failed", "lingoflow.library.completed"


def library_id(inputs: list[str]) -> str:
    first = str(inputs[0]).rstrip("/") if inputs else "library"
    name = first.rsplit("/", 1)[-1] if is_s3(first) else Path(first).name
    return f"{key_slug(name or 'library', 40)}-{digest(sorted(map(str, inputs)))[:10]}"


def library_resource(inputs: list[str], out: str, status: str | None = None) -> dict[str, str]:
    resource = {"prefect.resource.id": f"lingoflow.library.{library_id(inputs)}", "prefect.resource.name": ", ".join(map(str, inputs))[:200],
                "lingoflow.out": out}
    if status:
        resource["lingoflow.status"] = status
    return resource


def run_related(flow_run, deployment) -> list[dict[str, str]]:
    """The flow run a user opens (a deployment's run, not the localize-library subflow) and its deployment."""
    related = []
    if flow_run is not None:
        related.append({"prefect.resource.id": f"prefect.flow-run.{flow_run.id}", "prefect.resource.role": "flow-run",
                        "prefect.resource.name": flow_run.name})
    if deployment is not None:
        related.append({"prefect.resource.id": f"prefect.deployment.{deployment.id}", "prefect.resource.role": "deployment",
                        "prefect.resource.name": deployment.name})
    return related


def file_figures(r: ItemReport) -> dict:
    seconds = file_seconds(r)
    return {"language": r.language, "targets": r.targets, "audio_seconds": r.audio_seconds, "seconds": seconds,
            "realtime_factor": round(r.audio_seconds / seconds, 3) if seconds > 0 and r.audio_seconds else None,
            "speakers": len(r.speakers), "glossary": {lang: g.to_dict() for lang, g in r.glossary.items()}, "cached": cached_label(r) == "cached", "run": cached_label(r),
            "stages": {k: {"seconds": s.seconds, "cached": s.cached} for k, s in r.stages.items()}, "worker": r.worker}


def file_event(r: ItemReport, inputs: list[str], out: str, related: list[dict]) -> dict:
    lib = library_resource(inputs, out)
    status = "ok" if r.status == "ok" else "failed"
    return {
        "event": FILE_COMPLETED if status == "ok" else FILE_FAILED,
        "resource": {"prefect.resource.id": f"lingoflow.file.{library_id(inputs)}.{key_slug(r.item, 80)}-{digest(r.item)[:6]}",
                     "prefect.resource.name": r.item, "lingoflow.status": status},
        "related": [{**{k: v for k, v in lib.items() if k.startswith("prefect.")}, "prefect.resource.role": "library"}, *related],
        "payload": {"item": r.item, "source": r.source, "out": _join(out, r.item), "status": status, "error": r.error,
                    "outputs": r.outputs, "figures": file_figures(r)},
    }


def library_event(report: dict, inputs: list[str], out: str, related: list[dict], links: dict[str, str] | None = None,
                  flow_run=None, deployment=None) -> dict:
    failed = [i for i in report["items"] if i["status"] != "ok"]
    status = "failed" if failed or report.get("publish_error") else "ok"
    return {
        "event": LIBRARY_COMPLETED,
        "resource": library_resource(inputs, out, status),
        "related": related,
        "payload": {"library": list(map(str, inputs)), "out": out, "status": status, "files": len(report["items"]), "failed": len(failed),
                    "failures": [{"item": i["item"], "source": i["source"], "error": i["error"]} for i in failed[:MAX_LISTED_FAILURES]],
                    "publish_error": report.get("publish_error"),
                    "figures": {k: report.get(k) for k in ("audio_seconds", "wall_seconds", "realtime_factor")}, "links": links or {},
                    "flow_run": {"id": str(flow_run.id), "name": flow_run.name} if flow_run is not None else None,
                    "deployment": deployment.name if deployment is not None else None},
    }


def emit(spec: dict) -> None:
    from prefect.events import emit_event

    emit_event(spec["event"], resource=spec["resource"], related=spec["related"], payload=spec["payload"])


def _join(out: str, item: str) -> str:
    return f"{out.rstrip('/')}/{item}" if is_s3(out) else str(Path(out).resolve() / item)
