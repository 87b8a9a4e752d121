"""What a library run shows while it runs and once it is done: its artifacts (flows/artifacts.py)
and events (flows/events.py), both attached to the flow run a user opens.

The library flow calls `LibraryWatch.file_done` for every file (from the fan-out's threads
too) and `library_done` once with the run report. A failure to reach the API here is logged as
a warning and never changes a file's or the run's outcome.
"""
from __future__ import annotations

import contextvars
import threading
import time

from lingoflow.report import ItemReport

from . import artifacts, events

PROGRESS_EVERY = 1.0  # seconds between updates of the progress artifact (the last file always updates it)


def _root_run():
    """The flow run a user opens, and its deployment: the deployment's run (lingoflow-library)
    when this localize-library run is its subflow, else this run itself (a CLI run)."""
    from prefect import get_client
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    if ctx is None:
        return None, None
    run = ctx.flow_run
    with get_client(sync_client=True) as client:
        if run.parent_task_run_id is not None and run.deployment_id is None:
            parent = client.read_task_run(run.parent_task_run_id)
            run = client.read_flow_run(parent.flow_run_id)
        deployment = client.read_deployment(run.deployment_id) if run.deployment_id else None
    return run, deployment


class LibraryWatch:
    def __init__(self, inputs: list[str], out: str, s3_config, total: int, log):
        self.inputs, self.out, self.total, self.log = list(inputs), out, total, log
        self.linker = artifacts.Linker(out, s3_config)
        self.done = 0
        self._changed = threading.Condition()  # guards done and _closing; wakes the progress thread
        self._closing = False
        self._shower: threading.Thread | None = None
        self.progress_id = None
        self.run, self.deployment = self._guard("read the run", _root_run) or (None, None)
        self.prefix = artifacts.key_prefix(self.deployment.name if self.deployment else None, out)
        self.related = events.run_related(self.run, self.deployment)
        if total:
            self.progress_id = self._guard("create the progress artifact", artifacts.create_progress, self.prefix, self._run_id(), 0, total)
        if self.progress_id is not None:  # updated from a thread of its own (with this run's context): a file never waits on it
            self._shower = threading.Thread(target=contextvars.copy_context().run, args=(self._show_progress,), name="progress", daemon=True)
            self._shower.start()

    def _run_id(self):
        return self.run.id if self.run is not None else None

    def _guard(self, what: str, fn, *args):
        try:
            return fn(*args)
        except Exception as exc:  # the API is a window on the run, never a reason for it to fail
            self.log.warning("cannot %s in Prefect: %s: %s", what, type(exc).__name__, exc)
            return None

    def file_done(self, report: ItemReport) -> None:
        """A file finished (ran, failed, or fully cached): its event, the progress bar."""
        self._guard("emit the file event", events.emit, events.file_event(report, self.inputs, self.out, self.related))
        with self._changed:
            self.done += 1
            self._changed.notify()

    def _show_progress(self) -> None:
        """Keep the progress artifact at the count of finished files: one API call per
        PROGRESS_EVERY seconds at most (a 1000-file library, mostly cached, would make 1000),
        and the last count always shown before the run's end (library_done waits for it)."""
        shown = 0
        while True:
            with self._changed:
                while self.done == shown and not self._closing:
                    self._changed.wait()
                done, closing = self.done, self._closing
            if done != shown:
                self._guard("update the progress artifact", artifacts.update_progress, self.progress_id, done, self.total)
                shown = done
            if closing:
                return
            with self._changed:  # the next update after PROGRESS_EVERY, or at once when the run ends
                self._changed.wait_for(lambda: self._closing, timeout=PROGRESS_EVERY)

    def close(self) -> None:
        """Show the last count and end the progress thread (again: nothing)."""
        if self._shower is None:
            return
        with self._changed:
            self._closing = True
            self._changed.notify()
        self._shower.join()

    def library_done(self, report: dict) -> None:
        self.close()
        report_link = self._guard("create the run's artifacts", artifacts.create_run_artifacts, self.prefix, self._run_id(), report,
                                  self.linker, self.log)
        links = {"report": report_link} if report_link else {}
        self._guard("emit the library event", events.emit, events.library_event(report, self.inputs, self.out, self.related, links,
                                                                             self.run, self.deployment))


def log_stages(logger, report: ItemReport) -> None:
    """The file run's story in its log: one line per stage with its figures, then the file's."""
    for name, stage in report.stages.items():
        logger.info("%s: %s in %.2f s", name, "cached" if stage.cached else "ran", stage.seconds)
    figures = [f"{report.audio_seconds:.1f} s of audio", f"language {report.language or '?'}"]
    if report.targets:
        figures.append("targets " + ", ".join(report.targets))
    seconds = artifacts.file_seconds(report)
    if seconds > 0 and report.audio_seconds:
        figures.append(f"{report.audio_seconds / seconds:.2f}x real time")
    if report.speakers:
        figures.append(f"{len(report.speakers)} speaker(s)")
    if report.glossary:
        figures.append("glossary honored " + artifacts.glossary_label(report))
    outcome = "ok" if report.status == "ok" else f"failed: {report.error}"
    logger.info("%s: %s (%s; %s)", report.item, outcome, "; ".join(figures), artifacts.cached_label(report))
