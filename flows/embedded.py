"""The embedded Prefect API, started in the background.

Without PREFECT_API_URL, a flow run starts Prefect's embedded API (a server subprocess) and
waits for it: seconds of start-up before the first stage. The CLI starts it as soon as it knows
a file must run, and loads the models while it comes up, so a run pays the longer of the two
rather than their sum.
"""
from __future__ import annotations

import os
import threading

_started: threading.Thread | None = None


def start_in_background() -> None:
    """Start the embedded API on another thread (once; nothing when a server is configured)."""
    global _started
    if _started is not None or os.environ.get("PREFECT_API_URL"):
        return

    def start() -> None:
        from prefect.server.api.server import SubprocessASGIServer

        try:
            SubprocessASGIServer().start()  # the instance the flow's client will find running
        except Exception:  # noqa: BLE001 - the flow's own start tries again and reports the cause
            pass

    _started = threading.Thread(target=start, name="prefect-embedded-api", daemon=True)
    _started.start()


def wait_until_up() -> None:
    """Before a flow runs: a half-started server would be taken for a running one."""
    if _started is not None:
        _started.join()
