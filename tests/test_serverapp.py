"""The embedded API retries a request SQLite refused for a moment (flows/tuning/serverapp.py), instead of
letting Prefect's client sleep 2 s on the 503. SQLite's conflicts cannot be produced on demand, so
the app behind the middleware here is a stand-in that answers 503 a given number of times."""
from __future__ import annotations

import asyncio
import json

import httpx

from lingoflow.flows.tuning import serverapp
from lingoflow.flows.tuning.serverapp import RetryBusy


class BusyApp:
    """Stand-in for Prefect's app: 503 for the first `busy` requests, then 201 with the body seen."""

    def __init__(self, busy: int):
        self.busy, self.bodies = busy, []

    async def __call__(self, scope, receive, send):
        assert scope["path"] == "/api/task_runs/", scope["path"]
        scope["path"] = "/task_runs/"  # as Starlette's Mount does: each attempt must get the request's own scope
        message = await receive()
        self.bodies.append(message["body"])
        status = 503 if len(self.bodies) <= self.busy else 201
        payload = json.dumps({"seen": message["body"].decode()}).encode()
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": payload})
        if status == 503:  # as Starlette's error middleware: re-raised after its handler answered
            raise RuntimeError("database is locked")


def _post(app, body: bytes) -> httpx.Response:
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://api") as client:
            return await client.post("/api/task_runs/", content=body)

    return asyncio.run(go())


def test_a_request_refused_for_a_moment_is_answered_by_its_retry():
    busy = BusyApp(busy=2)
    response = _post(RetryBusy(busy, delays=(0.01, 0.01, 0.01)), b'{"name": "transcribe"}')
    assert response.status_code == 201
    assert response.json() == {"seen": '{"name": "transcribe"}'}
    assert busy.bodies == [b'{"name": "transcribe"}'] * 3  # the same request each time, whole


def test_a_server_busy_for_long_still_answers_503_so_the_client_backs_off():
    busy = BusyApp(busy=99)
    response = _post(RetryBusy(busy, delays=(0.01, 0.01)), b"{}")
    assert response.status_code == 503
    assert len(busy.bodies) == 3  # two retries, then the client's own back-off takes over


def test_other_answers_pass_through_on_the_first_attempt():
    ok = BusyApp(busy=0)
    response = _post(RetryBusy(ok), b"{}")
    assert response.status_code == 201 and len(ok.bodies) == 1


def test_the_embedded_servers_sqlite_connections_wait_seconds_not_a_minute(tmp_path):
    """Prefect sets SQLite's busy timeout to 60 s; the embedded server's connections wait
    BUSY_TIMEOUT_MS (a transaction that cannot end before the waiter stalled a run 60 s)."""
    import sqlite3

    from prefect.server.database.configurations import AioSqliteConfiguration

    serverapp._shorter_sqlite_waits()
    conn = sqlite3.connect(tmp_path / "prefect.db")
    AioSqliteConfiguration.setup_sqlite(AioSqliteConfiguration(connection_url=f"sqlite+aiosqlite:///{tmp_path}/prefect.db"), conn, None)
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == serverapp.BUSY_TIMEOUT_MS
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # Prefect's own set-up still ran
    conn.close()
