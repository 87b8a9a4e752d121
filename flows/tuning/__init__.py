"""Everything lingoflow does to Prefect's own defaults, in one place, behind one switch.

The default path reads like Prefect's examples: flows, subflows, tasks with retries. What is
here works around Prefect's start-up and per-file cost on small machines, each piece relying on
Prefect 3.8 internals that tests/test_prefect_tuning.py checks (it fails loudly on an upgrade):

- embedded.py + serverapp.py: the CLI starts Prefect's server itself, early (while it loads the
  speech model), keeps it for the next run, retries SQLite's momentary refusals inside the server,
  shortens SQLite's lock wait and batches the task-run recorder.
- limits.py: stage tasks carry a concurrency tag only where a limit exists (a tag makes Prefect
  ask the API for a slot before every task run).
- file_runs(): the library's file subflows skip parameter validation (their parameters are this
  process's own objects) and run without a heartbeat thread of their own.

LINGOFLOW_PREFECT_TUNING=off turns all of it off (or "-piece,..." leaves pieces out, see PIECES): Prefect starts its own ephemeral server, stage
tasks with a limitable stage carry their tag, file subflows validate and beat. `make bench` (and
`python -m bench.prefect_tuning`) measures each run both ways; docs/performance.md has the figures.
"""
from __future__ import annotations

import contextlib
import os
from typing import Iterator

PREFECT_MINOR = "3.8"  # the internals below are Prefect 3.8's; pyproject.toml pins prefect==3.8.*
SWITCH = "LINGOFLOW_PREFECT_TUNING"


PIECES = ("api", "server", "recorder", "limits", "subflows")  # each one's figure: docs/performance.md


def enabled(piece: str | None = None) -> bool:
    """The switch: "on" (default), "off", or the pieces to leave out ("-limits,-recorder"), which
    is how bench/prefect_tuning.py measures each piece alone. "server" and "recorder" live in the
    API the CLI starts ("api"): without it they are out too."""
    value = os.environ.get(SWITCH, "on").strip().lower()
    if value in ("off", "0", "false", "no"):
        return False
    left_out = {p.strip().lstrip("-") for p in value.split(",") if p.strip().startswith("-")}
    if piece in ("server", "recorder") and "api" in left_out:
        return False
    return piece is None or piece not in left_out


def start_api_early() -> None:
    """A file must run: start the API now, so it comes up while the speech model loads."""
    if enabled("api"):
        from . import embedded

        embedded.start_in_background()


def api_starting() -> bool:
    if not enabled("api"):
        return False
    from . import embedded

    return embedded.starting()


def api():
    """Around the library flow: the API this process started (or a previous run left up), else
    whatever Prefect would use (PREFECT_API_URL, or its own ephemeral server)."""
    if not enabled("api"):
        return contextlib.nullcontext()
    from . import embedded

    return embedded.api()


def file_subflow(flow):
    """The library's file subflow: without parameter validation (a pydantic model built per call)
    when tuned; a deployment's file runs (JSON parameters) always validate."""
    return flow.with_options(validate_parameters=False) if enabled("subflows") else flow


@contextlib.contextmanager
def file_runs() -> Iterator[None]:
    """Around the library's file subflows: no heartbeat thread of their own (the library run's
    says the process lives; Prefect joins a file's after a 1 s sleep, up to 1 s a file)."""
    if not enabled("subflows"):
        yield
        return
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def limited_tags() -> set[str] | None:
    """The stage tags to put on tasks: those with a limit on the API (one request a file run);
    None untuned (every stage that declares a tag carries it, Prefect's way)."""
    if not enabled("limits"):
        return None
    from .limits import limited_tags as asked

    return asked()
