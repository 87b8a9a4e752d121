"""The embedded API's app: Prefect's own, retrying what SQLite refuses for a moment.

Prefect's server on SQLite answers 503 when a write meets another transaction's write
(SQLITE_BUSY_SNAPSHOT under WAL, common with two files in flight), and its client sleeps 2 s,
then 4 s, before sending again: a subflow or a task run can start seconds late for a conflict
that cleared in milliseconds. Here the server tries such a request again itself after 50 ms,
100 ms, ... (each attempt is a fresh transaction, as the client's own retry would be), and
only after about 1.5 s lets the 503 reach the client, which then backs off as before.

SQLite's wait for another connection's write is cut from Prefect's 60 s to BUSY_TIMEOUT_MS. With
two files in flight, now and then several of the server's transactions (the task-run recorder's
insert, a progress artifact's update, the triggers' evaluation) all waited on a write lock held
by one that ended only once they gave up: Prefect's wait is 60 s, so a 12-file run stalled a
minute (76 s instead of 14; "database is locked" in the server's log; 3 times in about 20 runs).
The holder is inside Prefect's server and was not found; a short wait ends such a stall in
seconds, the recorder keeps its event to write again, and a request answered 503 is retried here.

A shared embedded API (flows/tuning/embedded.py) also ends itself once idle: ExitWhenIdle.

uvicorn loads this by name (`lingoflow.flows.tuning.serverapp:create_app`, see flows/tuning/embedded.py).
"""
from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any, Awaitable, Callable

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8)  # seconds before each new attempt at a 503
BUSY_TIMEOUT_MS = 2000  # SQLite's wait for a lock (Prefect sets 60 s); a healthy write holds it for milliseconds


class RetryBusy:
    """ASGI middleware: an HTTP request answered 503 runs again after a short pause."""

    def __init__(self, app, delays: tuple[float, ...] = DELAYS):
        self.app, self.delays = app, delays

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan, websockets (events): untouched
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client left before sending its body
            return
        for delay in (*self.delays, None):
            if not await self._attempt(scope, body, receive, send, retry_on_busy=delay is not None):
                return
            await asyncio.sleep(delay)

    async def _attempt(self, scope: dict, body: bytes, receive: Receive, send: Send, retry_on_busy: bool) -> bool:
        """One run of the request; True when it was answered 503 and nothing was sent."""
        sent_body = False
        busy = False

        async def replay() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # the disconnect, when it comes

        async def forward(message: Message) -> None:
            nonlocal busy
            if message["type"] == "http.response.start" and message["status"] == 503 and retry_on_busy:
                busy = True
            if not busy:
                await send(message)

        try:
            await self.app(dict(scope), replay, forward)  # a copy: Starlette's routing rewrites the scope
        except Exception:
            # Starlette re-raises an error after its handler answered (the 503 here): for the
            # server's log. A 503 held back is retried instead; anything else goes on up.
            if not busy:
                raise
        return busy


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


class ExitWhenIdle:
    """ASGI middleware: the process ends (SIGTERM to itself: uvicorn shuts down cleanly) once no
    request or websocket has been open for `seconds`. A run's client holds a websocket (its
    events) while it lives, so a server is never idle under a run."""

    def __init__(self, app, seconds: float):
        self.app, self.seconds = app, seconds
        self.open, self.last = 0, time.monotonic()
        self._watch: asyncio.Task | None = None

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            async def started(message: Message) -> None:
                if message["type"] == "lifespan.startup.complete":  # idle from now (migrations take a while)
                    self.last = time.monotonic()
                    self._watch = asyncio.get_running_loop().create_task(self._exit_when_idle())
                await send(message)

            await self.app(scope, receive, started)
            return
        self.open += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.open -= 1
            self.last = time.monotonic()

    async def _exit_when_idle(self) -> None:
        while True:
            await asyncio.sleep(min(5.0, self.seconds / 4))
            if self.open == 0 and time.monotonic() - self.last > self.seconds:
                os.kill(os.getpid(), signal.SIGTERM)
                return


def _shorter_sqlite_waits(milliseconds: int = BUSY_TIMEOUT_MS) -> None:
    """Every SQLite connection of this server waits at most `milliseconds` for a lock: Prefect's
    own connection set-up runs first (WAL, foreign keys, its 60 s busy timeout), then this."""
    from prefect.server.database.configurations import AioSqliteConfiguration

    prefect_setup = AioSqliteConfiguration.setup_sqlite
    if getattr(prefect_setup, "lingoflow_busy_ms", None) == milliseconds:
        return

    def setup_sqlite(self, conn, record) -> None:
        prefect_setup(self, conn, record)
        cursor = conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(milliseconds)};")
        cursor.close()

    setup_sqlite.lingoflow_busy_ms = milliseconds
    AioSqliteConfiguration.setup_sqlite = setup_sqlite


def create_app():
    """Prefect's API app (as its SubprocessASGIServer makes it), behind RetryBusy, and behind
    ExitWhenIdle for a shared server (LINGOFLOW_API_IDLE_SECONDS > 0)."""
    from prefect.server.api.server import create_app as prefect_app

    from . import enabled

    if enabled("server"):
        _shorter_sqlite_waits()
    app = RetryBusy(prefect_app()) if enabled("server") else prefect_app()
    idle = float(os.environ.get("LINGOFLOW_API_IDLE_SECONDS") or 0)
    return ExitWhenIdle(app, idle) if idle > 0 else app
