"""The session owns the transaction, and asyncpg behaves behind PgBouncer's transaction pooling."""

import asyncio

import httpx

from probe_app import PREFIX, build_probe_app
from service_kit.settings import ServiceSettings
from testing_kit.fixtures import serve


async def _count(client: httpx.AsyncClient, note: str) -> int:
    response = await client.get(f"{PREFIX}/count", params={"note": note})
    assert response.status_code == 200
    count: int = response.json()["count"]
    return count


async def test_successful_request_commits(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{PREFIX}/items", json={"name": "kept", "password": "long-enough-password"}
    )

    assert response.status_code == 201
    assert await _count(client, "kept") == 1


async def test_failed_request_rolls_back(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{PREFIX}/items-then-fail")

    assert response.status_code == 409
    assert await _count(client, "doomed") == 0


async def test_commit_failure_is_an_error_response_not_a_success(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(f"{PREFIX}/violate-at-commit")

    assert response.status_code == 500
    assert await _count(client, "twin") == 0


async def test_many_concurrent_parameterized_queries_through_pgbouncer(
    client: httpx.AsyncClient,
) -> None:
    # Prepared statements with colliding names or cached across transactions would fail
    # here: PgBouncer hands each transaction whichever server connection is free.
    counts = await asyncio.gather(*(_count(client, f"note-{i % 7}") for i in range(120)))

    assert counts == [0] * 120


async def test_readiness_checks_the_database_through_pgbouncer(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{PREFIX}/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "dependencies": {}}


async def test_unreachable_database_is_not_ready_but_alive(settings: ServiceSettings) -> None:
    unreachable = settings.model_copy(
        update={
            "database_url": "postgresql+asyncpg://nobody:nothing@127.0.0.1:9/shop",
            "database_connect_timeout_seconds": 1.0,
        }
    )
    async with serve(build_probe_app(unreachable)) as client:
        ready = await client.get(f"{PREFIX}/readyz")
        alive = await client.get(f"{PREFIX}/healthz")

    assert ready.status_code == 503
    assert ready.json()["database"] == "failing"
    assert alive.status_code == 200


async def test_pooled_client_connections_are_safe_behind_transaction_pooling(
    settings: ServiceSettings, probe_table: None
) -> None:
    # Kept-open client connections see a different server connection per transaction; with
    # no statement cache and unique statement names that must not matter.
    pooled = settings.model_copy(update={"database_pool_size": 3})
    async with serve(build_probe_app(pooled)) as client:
        created = await client.post(
            f"{PREFIX}/items", json={"name": "pooled", "password": "long-enough-password"}
        )
        counts = await asyncio.gather(*(_count(client, f"note-{i % 5}") for i in range(90)))
        failed = await client.post(f"{PREFIX}/items-then-fail")
        after = await _count(client, "pooled")
        doomed = await _count(client, "doomed")

    assert created.status_code == 201
    assert counts == [0] * 90
    assert failed.status_code == 409
    assert (after, doomed) == (1, 0)
