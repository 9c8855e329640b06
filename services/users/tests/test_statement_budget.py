"""What the anonymous and password paths ask of the users database, counted, so it cannot grow.

An outsider can send any number of these, so each one holds a PgBouncer server connection
as briefly as possible: at most one connection at a time, at most one transaction, and a
refresh token we never issued costs one statement. Counts are deterministic where timings
are not (testing_kit.statement_meter says what is counted). A change that adds a statement,
a transaction or a connection to these paths fails here: if it is worth it, change the
budget in the same commit and say why.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import serve, truncate_schema
from testing_kit.statement_meter import Budget, StatementMeter
from users.main import create_app
from users.settings import UsersSettings
from users_testing import API, STRONG_PASSWORD
from users_testing.accounts import NewAccount, log_in
from users_testing.connection_watch import ConnectionWatch, after_the_first_job_rounds

# A well-formed token we never issued: one autocommit lookup, no transaction (it holds a
# PgBouncer server connection only while Postgres runs it). Before: the claim in the
# request's transaction, then a second connection and transaction to look for reuse while
# the first was still open (2 connections at once, 2 transactions).
REFRESH_UNKNOWN = Budget(
    connections=1, transactions=0, statements=1, driver_queries=0, round_trips=2
)
# Not even shaped like one of ours: refused without the database.
REFRESH_MALFORMED = Budget(
    connections=0, transactions=0, statements=0, driver_queries=0, round_trips=0
)
# The lookup, then one transaction: the token, its login and account in one locking
# statement, marking it used, the next token. Two connections, one after the other.
REFRESH = Budget(connections=2, transactions=1, statements=4, driver_queries=0, round_trips=10)
# The transaction finds it used: the family is revoked in it, and it commits.
REFRESH_REUSED = Budget(
    connections=2, transactions=1, statements=3, driver_queries=0, round_trips=8
)
# One autocommit read, the hash with no connection held, then one transaction: lock the
# account, start the family, its first token. Two connections, one after the other.
LOGIN = Budget(connections=2, transactions=1, statements=4, driver_queries=0, round_trips=10)
# The read, the hash (or the decoy's), the 401: no transaction at all.
LOGIN_REFUSED = Budget(connections=1, transactions=0, statements=1, driver_queries=0, round_trips=2)
# The duplicate check (one autocommit statement), the hash, the insert in its transaction.
REGISTER = Budget(connections=2, transactions=1, statements=2, driver_queries=0, round_trips=6)
# The account read, two hashes, then one transaction: the new hash with the credentials
# version raised, every family revoked.
PASSWORD_CHANGE = Budget(
    connections=2, transactions=1, statements=3, driver_queries=0, round_trips=8
)
# The lookup, then the revocation in a transaction of one statement.
LOGOUT = Budget(connections=2, transactions=1, statements=2, driver_queries=0, round_trips=6)
# Like a refresh: an unknown token costs the lookup.
LOGOUT_UNKNOWN = Budget(
    connections=1, transactions=0, statements=1, driver_queries=0, round_trips=2
)


@dataclass(frozen=True)
class Metered:
    client: httpx.AsyncClient
    meter: StatementMeter
    connections: ConnectionWatch


@pytest.fixture
async def metered(settings: UsersSettings, database_stack: DatabaseStack) -> AsyncIterator[Metered]:
    app = create_app(settings)
    async with serve(app) as client:
        meter, connections = await after_the_first_job_rounds(app)
        metered = Metered(client, meter, connections)
        yield metered
    await truncate_schema(database_stack.direct_dsn("users"), "users")


async def _spend(
    metered: Metered, request: Callable[[], Awaitable[httpx.Response]], budget: Budget
) -> httpx.Response:
    async with metered.meter.counting() as tally:
        response = await request()
    budget.check(tally)
    assert metered.connections.peak <= 1, "two connections at once"
    assert metered.connections.open == 0
    return response


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/refresh", json={"refresh_token": token})


async def test_a_refresh_token_never_issued_costs_one_statement(metered: Metered) -> None:
    response = await _spend(metered, lambda: _refresh(metered.client, "A" * 43), REFRESH_UNKNOWN)

    assert response.status_code == 401


@pytest.mark.parametrize("token", ["not-one-of-ours", "A" * 42 + "=", "A" * 44, "A" * 42 + "."])
async def test_a_token_not_shaped_like_ours_costs_no_statement(
    metered: Metered, token: str
) -> None:
    response = await _spend(metered, lambda: _refresh(metered.client, token), REFRESH_MALFORMED)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-refresh-token"


async def test_a_refresh_budget(metered: Metered, new_account: NewAccount) -> None:
    account = await new_account()

    response = await _spend(
        metered, lambda: _refresh(metered.client, account.refresh_token), REFRESH
    )

    assert response.status_code == 200


async def test_a_reused_refresh_token_budget(metered: Metered, new_account: NewAccount) -> None:
    account = await new_account()
    assert (await _refresh(metered.client, account.refresh_token)).status_code == 200

    response = await _spend(
        metered, lambda: _refresh(metered.client, account.refresh_token), REFRESH_REUSED
    )

    assert response.status_code == 401


async def test_a_login_budget(metered: Metered, new_account: NewAccount) -> None:
    account = await new_account()

    response = await _spend(
        metered, lambda: log_in(metered.client, account.username, account.password), LOGIN
    )

    assert response.status_code == 200


@pytest.mark.parametrize("known", [True, False])
async def test_a_refused_login_opens_no_transaction(
    metered: Metered, new_account: NewAccount, known: bool
) -> None:
    account = await new_account()
    login = account.username if known else "nobody_at_all"

    response = await _spend(
        metered, lambda: log_in(metered.client, login, "not the password"), LOGIN_REFUSED
    )

    assert response.status_code == 401


async def test_a_registration_budget(metered: Metered) -> None:
    body = {"email": "budget@example.com", "username": "budget", "password": STRONG_PASSWORD}

    response = await _spend(
        metered, lambda: metered.client.post(f"{API}/auth/register", json=body), REGISTER
    )

    assert response.status_code == 201


async def test_a_password_change_budget(metered: Metered, new_account: NewAccount) -> None:
    account = await new_account()
    body = {"current_password": account.password, "new_password": "a brand new passphrase"}

    response = await _spend(
        metered,
        lambda: metered.client.post(f"{API}/me/password", headers=account.headers, json=body),
        PASSWORD_CHANGE,
    )

    assert response.status_code == 204


async def test_a_logout_budget(metered: Metered, new_account: NewAccount) -> None:
    account = await new_account()

    response = await _spend(
        metered,
        lambda: metered.client.post(
            f"{API}/auth/logout", json={"refresh_token": account.refresh_token}
        ),
        LOGOUT,
    )

    assert response.status_code == 204


async def test_a_logout_with_a_token_never_issued_costs_one_statement(metered: Metered) -> None:
    response = await _spend(
        metered,
        lambda: metered.client.post(f"{API}/auth/logout", json={"refresh_token": "A" * 43}),
        LOGOUT_UNKNOWN,
    )

    assert response.status_code == 204
