"""Erasing accounts in tests, and looking for what an erasure must leave behind."""

import asyncpg
import httpx

from users_testing import API
from users_testing.accounts import RegisteredAccount


async def erase_me(
    client: httpx.AsyncClient, account: RegisteredAccount, *, password: str | None = None
) -> httpx.Response:
    """The account erases itself, with its own password unless another one is given."""
    return await client.post(
        f"{API}/me/erasure",
        headers=account.headers,
        json={"password": account.password if password is None else password},
    )


async def hold_names_until_the_past(database: asyncpg.Connection) -> None:
    """Every name held so far: its retention ended a moment ago (the clock moved in the
    database, never waited out)."""
    await database.execute("UPDATE users.erased_names SET held_until = now() - interval '1 second'")


async def personal_rows(database: asyncpg.Connection, *values: str) -> list[str]:
    """Every row of every table in the users schema whose text contains any of `values`
    (in any case): what an erasure must leave none of."""
    tables = await database.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'users'"
    )
    patterns = [f"%{value}%" for value in values]
    found: list[str] = []
    for table in tables:
        rows = await database.fetch(
            f'SELECT t::text AS row FROM users."{table["table_name"]}" t'  # noqa: S608 (catalog names)
            " WHERE t::text ILIKE ANY($1)",
            patterns,
        )
        found += [f"{table['table_name']}: {row['row']}" for row in rows]
    return found
