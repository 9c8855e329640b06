"""Database trouble is a 503 problem with Retry-After; a refused value a 422; never a 500."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from service_kit.database_errors import RETRY_AFTER_SECONDS
from service_kit.problems import PROBLEM_CONTENT_TYPE
from service_kit.settings import ServiceSettings
from service_kit_testing.probe_app import PREFIX, build_probe_app
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import serve
from testing_kit.waiting import eventually


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["code"] == "service-unavailable"
    assert "SELECT" not in response.text
    assert "probe_notes" not in response.text


async def test_a_statement_timeout_is_a_503(client: httpx.AsyncClient) -> None:
    _assert_unavailable(await client.post(f"{PREFIX}/slow"))


@asynccontextmanager
async def _table_locked(stack: DatabaseStack) -> AsyncIterator[None]:
    connection = await asyncpg.connect(stack.direct_dsn("users"))
    try:
        async with connection.transaction():
            await connection.execute("LOCK TABLE users.probe_notes IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await connection.close()


@pytest.fixture
async def table_locked(database_stack: DatabaseStack, probe_table: None) -> AsyncIterator[None]:
    async with _table_locked(database_stack):
        yield


async def test_a_lock_timeout_is_a_503(client: httpx.AsyncClient, table_locked: None) -> None:
    _assert_unavailable(await client.post(f"{PREFIX}/locked-out"))


async def test_a_missing_pgbouncer_socket_is_a_503(settings: ServiceSettings) -> None:
    # What a service sees while its PgBouncer restarts: the socket is not there.
    gone = settings.model_copy(
        update={
            "database_url": settings.database_url.replace("host=/", "host=/nonexistent/"),
        }
    )
    async with serve(build_probe_app(gone)) as client:
        response = await client.post(
            f"{PREFIX}/items", json={"name": "lost", "password": "long-enough-password"}
        )

    _assert_unavailable(response)


async def test_an_unanswered_connection_is_a_503(settings: ServiceSettings) -> None:
    silent = settings.model_copy(
        update={
            "database_url": "postgresql+asyncpg://nobody:nothing@127.0.0.1:9/shop",
            "database_connect_timeout_seconds": 1.0,
        }
    )
    async with serve(build_probe_app(silent)) as client:
        _assert_unavailable(await client.get(f"{PREFIX}/count", params={"note": "x"}))


async def test_a_pool_wait_past_its_bound_is_a_503(settings: ServiceSettings) -> None:
    # One kept connection and one overflow, both busy; the next request may wait only the
    # connect timeout for one of them.
    pooled = settings.model_copy(
        update={"database_pool_size": 1, "database_connect_timeout_seconds": 0.5}
    )
    app = build_probe_app(pooled)
    async with serve(app) as client:
        busy = [
            asyncio.create_task(
                client.post(f"{PREFIX}/slow", params={"statement_timeout_ms": 3000})
            )
            for _ in range(2)
        ]

        async def both_connections_in_use() -> bool:
            return bool(app.state.database.engine.pool.checkedout() == 2)

        assert await eventually(both_connections_in_use, within_seconds=5)
        waiting = await client.get(f"{PREFIX}/count", params={"note": "x"})
        await asyncio.gather(*busy)

    _assert_unavailable(waiting)


async def test_a_value_the_database_refuses_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{PREFIX}/out-of-range", params={"value": "99999999"})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["code"] == "unstorable-value"
    assert "99999999" not in response.text


async def test_the_same_request_succeeds_once_the_lock_is_gone(
    client: httpx.AsyncClient, database_stack: DatabaseStack
) -> None:
    # The failed request left nothing behind: no broken connection, no open transaction.
    async with _table_locked(database_stack):
        _assert_unavailable(await client.post(f"{PREFIX}/locked-out"))

    assert (await client.post(f"{PREFIX}/locked-out")).status_code == 200
