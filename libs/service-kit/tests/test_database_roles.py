"""What each role may do: the runtime role data only, the owner the schema, the superuser
nothing over the network; and every runtime session is bounded by timeouts."""

import asyncpg
import pytest

from testing_kit.database_stack import DATABASE, PGBOUNCER_PORT, DatabaseStack


async def _runtime(stack: DatabaseStack) -> asyncpg.Connection:
    # As the service connects: its role, through its PgBouncer's socket.
    return await asyncpg.connect(
        host=str(stack.socket_dirs["users"]),
        port=PGBOUNCER_PORT,
        user="users_svc",
        password=stack.credentials.passwords["users"],
        database=DATABASE,
    )


async def test_the_runtime_role_reads_and_writes_what_migrations_created(
    database_stack: DatabaseStack, probe_table: None
) -> None:
    connection = await _runtime(database_stack)
    try:
        async with connection.transaction():
            await connection.execute("INSERT INTO users.probe_notes (note) VALUES ('granted')")
            await connection.execute("UPDATE users.probe_notes SET note = 'changed'")
            assert await connection.fetchval("SELECT count(*) FROM users.probe_notes") == 1
            await connection.execute("DELETE FROM users.probe_notes")
    finally:
        await connection.close()


@pytest.mark.parametrize(
    "ddl",
    [
        "CREATE TABLE users.planted (id int)",
        "ALTER TABLE users.probe_notes ADD COLUMN planted int",
        "DROP TABLE users.probe_notes",
        "TRUNCATE users.probe_notes",
    ],
)
async def test_the_runtime_role_cannot_change_the_schema(
    database_stack: DatabaseStack, probe_table: None, ddl: str
) -> None:
    connection = await _runtime(database_stack)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute(ddl)
    finally:
        await connection.close()


async def test_runtime_sessions_carry_statement_lock_and_idle_timeouts(
    database_stack: DatabaseStack,
) -> None:
    connection = await _runtime(database_stack)
    try:
        settings = await connection.fetchrow(
            "SELECT current_setting('statement_timeout') AS statement,"
            " current_setting('lock_timeout') AS lock,"
            " current_setting('idle_in_transaction_session_timeout') AS idle"
        )
    finally:
        await connection.close()

    assert dict(settings) == {"statement": "5s", "lock": "2s", "idle": "10s"}


async def test_the_superuser_is_refused_over_the_network(database_stack: DatabaseStack) -> None:
    with pytest.raises(
        asyncpg.InvalidAuthorizationSpecificationError, match=r"pg_hba\.conf rejects"
    ):
        await asyncpg.connect(
            host=database_stack.host,
            port=database_stack.postgres_port,
            user="postgres",
            password="any",
            database=DATABASE,
        )
