"""The embedded Prefect API, started in the background.

Without PREFECT_API_URL, a flow run starts Prefect's embedded API (a server subprocess) and
waits for it: seconds before the first stage. The CLI starts that same server (the command
Prefect's SubprocessASGIServer runs: uvicorn on Prefect's `create_app`, its UI off; here
behind flows/serverapp.py, which retries what SQLite refuses for a moment) as soon as it knows a file must run, and loads the models while it comes up, so a run pays
the longer of the two rather than their sum. It launches the command itself rather than through
SubprocessASGIServer because importing that class imports the whole server package (5 s on 2
cores) in this process too, only for the subprocess to import it again.
"""
from __future__ import annotations

import atexit
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from lingoflow.errors import LingoflowError

_server: subprocess.Popen | None = None
_url: str | None = None
_errors = None  # the server's stderr (a file: a pipe nobody reads could fill and stall it)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_in_background() -> None:
    """Start the embedded API (once; nothing when a server is configured)."""
    global _server, _url, _errors
    if _server is not None or os.environ.get("PREFECT_API_URL"):
        return
    port = _free_port()
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    _errors = tempfile.TemporaryFile()
    _server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "lingoflow.flows.serverapp:create_app",
                                "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"],
                               env=env, stdout=subprocess.DEVNULL, stderr=_errors)
    _url = f"http://127.0.0.1:{port}/api"
    atexit.register(stop)


def url() -> str | None:
    """The embedded API's URL once started here (None: not started)."""
    return _url if _server is not None else None


def _wait(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _server.poll() is not None:
            _errors.seek(0)
            detail = _errors.read().decode(errors="replace")[-2000:]
            raise LingoflowError(f"Prefect's embedded API exited while starting (exit status {_server.returncode}): {detail}")
        try:
            with urllib.request.urlopen(f"{_url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise LingoflowError(f"Prefect's embedded API did not answer within {timeout:.0f} s (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")


@contextlib.contextmanager
def api():
    """Around a flow run: the embedded API started here, once it answers (as PREFECT_API_URL),
    else whatever Prefect would use."""
    if _server is None:
        yield
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    _wait(float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")))
    with temporary_settings({PREFECT_API_URL: _url}):
        yield


def stop() -> None:
    global _server
    if _server is not None and _server.poll() is None:
        _server.terminate()
        try:
            _server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _server.kill()
            _server.wait()
    _server = None
