"""The embedded Prefect API: started in the background, and kept for the next run a while.

Without PREFECT_API_URL, a flow run needs Prefect's embedded API (a server subprocess), which
takes 4-7 s to answer on 2 cores: most of a short run. The CLI starts that server (the command
Prefect's SubprocessASGIServer runs: uvicorn on Prefect's `create_app`, its UI off; here behind
flows/tuning/serverapp.py) as soon as it knows a file must run, and loads the models while it comes up.
It launches the command itself rather than through SubprocessASGIServer because importing that
class imports the whole server package (5 s on 2 cores) in this process too.

The server then outlives the run: it stays up until no client has called it for
LINGOFLOW_API_IDLE_SECONDS (default 600), and exits by itself; the next run in that time, from
any shell, finds it through PREFECT_HOME/lingoflow-api.json and starts its first stage at once.
LINGOFLOW_API_IDLE_SECONDS=0 keeps the old way: a server of the run's own, stopped with it.
"""
from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

from lingoflow.errors import LingoflowError

IDLE_ENV = "LINGOFLOW_API_IDLE_SECONDS"
DEFAULT_IDLE_SECONDS = 600.0
ORPHAN_IDLE_SECONDS = 60.0  # a run's own server (LINGOFLOW_API_IDLE_SECONDS=0) whose run is gone

# Prefect's task-run recorder writes each task-run event (~15 a file) in a SQLite transaction of its
# own: 40 % of the server's CPU a tiny file (0.41 s), beside the run on 2 cores. In batches flushed
# every second (Prefect's own bulk upsert, the latest state kept) it is 0.25 s; the UI shows a task
# run's state up to 1 s later. Prefect reads the interval as whole seconds: 1 is the least.
RECORDER_BATCHING = {"PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
                     "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1"}

_server: subprocess.Popen | None = None  # a server started by this process
_own = False  # it is this run's own (stopped at exit), not the shared one
_url: str | None = None
_errors = None  # the server's stderr (a file: a pipe nobody reads could fill and stall it)
_registering = False  # the server started here registers Prefect's block types (see _blocks_registered)


def idle_seconds() -> float:
    return max(0.0, float(os.environ.get(IDLE_ENV, DEFAULT_IDLE_SECONDS)))


def _state_file(prefect_home: str | os.PathLike | None = None) -> Path:
    home = prefect_home or os.environ.get("PREFECT_HOME") or str(Path.home() / ".prefect")
    return Path(home).expanduser() / "lingoflow-api.json"


def stop_shared(prefect_home: str | os.PathLike | None = None) -> None:
    """End the shared API recorded in PREFECT_HOME (it would end itself once idle)."""
    import signal

    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        os.kill(int(json.loads(_state_file(prefect_home).read_text())["pid"]), signal.SIGTERM)


def _fingerprint() -> str:
    """What a shared server must match to be reused: the Python, Prefect and lingoflow it runs,
    the server settings it was started with (a user's and lingoflow's), and the wrapper's code."""
    settings = sorted((k, v) for k, v in os.environ.items() if k.startswith(("PREFECT_SERVER_", "PREFECT_API_DATABASE", "PREFECT_HOME")))
    wrapper = (Path(__file__).parent / "serverapp.py").read_bytes()
    parts = [sys.executable, metadata.version("prefect"), metadata.version("lingoflow"), repr(settings), repr(RECORDER_BATCHING), os.environ.get("LINGOFLOW_PREFECT_TUNING", "on"), hashlib.sha256(wrapper).hexdigest()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _answers(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _shared_server() -> str | None:
    """The URL of a shared server that is up and matches this run, else None."""
    try:
        state = json.loads(_state_file().read_text())
        os.kill(int(state["pid"]), 0)  # the process exists
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if state.get("fingerprint") != _fingerprint() or not str(state.get("url", "")).startswith("http://127.0.0.1:"):
        return None  # started for other settings, or not one this module starts
    return state["url"] if _answers(state["url"], timeout=1.0) else None


def _blocks_key() -> str | None:
    """What the block types in Prefect's database depend on: this server's fingerprint, the
    Prefect collections installed (prefect-aws's S3 blocks) and the database itself (the default
    SQLite file by its inode: a new file is a new database). None: no database yet."""
    db = os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL")
    if not db:
        path = _state_file().parent / "prefect.db"
        try:
            db = f"{path}@{path.stat().st_ino}"
        except OSError:
            return None
    collections = sorted(f"{ep.dist.name}=={ep.dist.version}" for ep in metadata.entry_points(group="prefect.collections") if ep.dist)
    return hashlib.sha256("\0".join([_fingerprint(), *collections, db]).encode()).hexdigest()


def _blocks_mark() -> Path:
    return _state_file().with_name("lingoflow-api-blocks.json")


def _blocks_registered() -> bool:
    """Whether a server started here registered the block types in this database already.
    Prefect's server does it at every start unless told otherwise, and only to find that nothing
    changed it imports every collection first (prefect-aws: 1.5 s of a 5-6 s start on 2 cores)."""
    key = _blocks_key()
    try:
        return key is not None and json.loads(_blocks_mark().read_text()).get("registered") == key
    except (OSError, ValueError, AttributeError):
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_in_background() -> None:
    """Find the shared embedded API, or start one (once; nothing when a server is configured)."""
    global _server, _own, _url, _errors, _registering
    if _url is not None or os.environ.get("PREFECT_API_URL"):
        return
    idle = idle_seconds()
    if idle and (shared := _shared_server()):
        _url = shared
        return
    port = _free_port()
    # a run's own server also ends itself once idle: the run holds it open while it lives, and a
    # run killed before its exit handler (SIGKILL) would otherwise leave it running for good
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
           IDLE_ENV: str(idle or ORPHAN_IDLE_SECONDS)}
    from . import enabled

    for name, value in (RECORDER_BATCHING.items() if enabled("recorder") else ()):  # a user's own setting stands
        env.setdefault(name, value)
    _registering = not _blocks_registered()
    if not _registering:  # registered by an earlier start (a new block type registers itself when saved)
        env.update({"PREFECT_API_BLOCKS_REGISTER_ON_START": "false", "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false"})
    state = _state_file()
    if idle:  # the shared one: its own session (a Ctrl-C of this run is not its), its log beside the state
        state.parent.mkdir(parents=True, exist_ok=True)
        _errors = open(state.with_suffix(".log"), "w+b")
    else:
        _errors = tempfile.TemporaryFile()
    _server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "lingoflow.flows.tuning.serverapp:create_app",
                                "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"],
                               env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=_errors, start_new_session=bool(idle))
    _url, _own = f"http://127.0.0.1:{port}/api", not idle
    if idle:
        from lingoflow.store.atomic import write_text

        write_text(state, json.dumps({"url": _url, "pid": _server.pid, "fingerprint": _fingerprint()}))
    atexit.register(stop)


def starting() -> bool:
    """Whether a server this process started has yet to answer (a run then waits for it)."""
    return _server is not None and _url is not None and _server.poll() is None and not _answers(_url, timeout=0.2)


def url() -> str | None:
    """The embedded API's URL once found or started here (None: neither)."""
    return _url


def _wait(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _server is not None and _server.poll() is not None:
            _errors.seek(0)
            detail = _errors.read().decode(errors="replace")[-2000:]
            raise LingoflowError(f"Prefect's embedded API exited while starting (exit status {_server.returncode}): {detail}")
        if _answers(_url, timeout=2):
            _mark_registered()
            return
        time.sleep(0.1)
    raise LingoflowError(f"Prefect's embedded API did not answer within {timeout:.0f} s (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")


def _mark_registered() -> None:
    """A server started here answers: its start-up registered the block types (once)."""
    global _registering
    if _registering and (key := _blocks_key()) is not None:
        from lingoflow.store.atomic import write_text

        with contextlib.suppress(OSError):
            write_text(_blocks_mark(), json.dumps({"registered": key}))
    _registering = False


@contextlib.contextmanager
def api():
    """Around a flow run: the embedded API found or started here, once it answers (as
    PREFECT_API_URL), else whatever Prefect would use."""
    if _url is None:
        yield
        return
    from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_CSRF_SUPPORT_ENABLED, temporary_settings

    _wait(float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")))
    settings = {PREFECT_API_URL: _url}
    if os.environ.get("PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED", "").lower() not in ("1", "true"):
        settings[PREFECT_CLIENT_CSRF_SUPPORT_ENABLED] = False  # its server asks for no token: no request for one per file run
    with temporary_settings(settings):
        yield


def stop() -> None:
    """Stop this run's own server (a shared one stops itself once idle); forget the URL."""
    global _server, _url
    if _own and _server is not None and _server.poll() is None:
        _server.terminate()
        try:
            _server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _server.kill()
            _server.wait()
    _server, _url = None, None
