"""The session owns the transaction, and asyncpg behaves behind PgBouncer's transaction pooling."""

import asyncio

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from service_kit.database import Database
from service_kit.settings import ServiceSettings
from service_kit_testing.probe_app import PREFIX, build_probe_app
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import serve

# The images' PgBouncer default (deploy/pgbouncer/entrypoint.sh) and pool size.
MAX_PREPARED_STATEMENTS = 200
SERVER_POOL_SIZE = 10
WORKERS, STATEMENTS_PER_WORKER = 8, 300


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
    # Prepared statements that PgBouncer did not track would collide or go missing here: it
    # hands each transaction whichever server connection is free.
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
    # Kept-open client connections see a different server connection per transaction, and
    # keep their prepared statements: PgBouncer prepares them wherever they are needed.
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


async def _prepared_statements_per_server_connection(database: Database) -> list[int]:
    """Each server connection's count, sampled by transactions that hold all of them at once."""

    async def sample() -> tuple[int, int]:
        async with database.sessionmaker() as session, session.begin():
            row = (
                await session.execute(
                    text(
                        "SELECT pg_backend_pid(), (SELECT count(*) FROM pg_prepared_statements)"
                        " FROM pg_sleep(0.3)"
                    )
                )
            ).one()
            return int(row[0]), int(row[1])

    samples = await asyncio.gather(*(sample() for _ in range(SERVER_POOL_SIZE)))
    return list(dict(samples).values())


@pytest.mark.parametrize("pool_size", [0, 3])
async def test_prepared_statements_on_server_connections_stay_bounded(
    settings: ServiceSettings, pool_size: int
) -> None:
    # Unbounded, every distinct statement would stay prepared on the server connection that
    # ran it, for as long as that connection lives: Postgres memory would grow without end.
    database = Database.from_settings(settings.model_copy(update={"database_pool_size": pool_size}))
    try:

        async def distinct_statements(worker: int) -> None:
            for n in range(STATEMENTS_PER_WORKER):
                async with database.sessionmaker() as session, session.begin():
                    value = await session.scalar(
                        text(f"SELECT {worker * 1000 + n} + 0 * :x"), {"x": 1}
                    )
                    assert value == worker * 1000 + n

        await asyncio.gather(*(distinct_statements(worker) for worker in range(WORKERS)))
        counts = await _prepared_statements_per_server_connection(database)
    finally:
        await database.dispose()

    # 2,400 distinct statements on at most SERVER_POOL_SIZE server connections: at least one
    # of them ran more than the bound's worth, and none keeps more than the bound.
    assert len(counts) > 1
    assert max(counts) <= MAX_PREPARED_STATEMENTS
    assert max(counts) == MAX_PREPARED_STATEMENTS  # they were prepared there, then evicted


async def test_a_services_pgbouncer_admits_only_its_own_role(
    database_stack: DatabaseStack,
) -> None:
    users_socket = str(database_stack.socket_dirs["users"])

    async def connect(service: str) -> None:
        connection = await asyncpg.connect(
            host=users_socket,
            port=6432,
            user=f"{service}_svc",
            password=database_stack.credentials.passwords[service],
            database="shop",
        )
        await connection.close()

    await connect("users")
    with pytest.raises(asyncpg.PostgresError, match="authentication failed"):
        await connect("catalog")  # catalog's own, valid credentials, at users' PgBouncer
