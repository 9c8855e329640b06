"""Each service's role owns its schema and cannot touch another's."""

import asyncpg
import pytest

from testing_kit.database_stack import DatabaseStack


async def test_catalog_role_cannot_read_the_users_schema(database_stack: DatabaseStack) -> None:
    owner = await asyncpg.connect(database_stack.direct_dsn("users"))
    try:
        await owner.execute("CREATE TABLE IF NOT EXISTS users.users (id int)")
    finally:
        await owner.close()

    intruder = await asyncpg.connect(database_stack.direct_dsn("catalog"))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await intruder.fetch("SELECT * FROM users.users")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await intruder.execute("CREATE TABLE users.planted (id int)")
    finally:
        await intruder.close()


async def test_catalog_role_cannot_create_in_the_public_schema(
    database_stack: DatabaseStack,
) -> None:
    connection = await asyncpg.connect(database_stack.direct_dsn("catalog"))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("CREATE TABLE public.stray (id int)")
    finally:
        await connection.close()
