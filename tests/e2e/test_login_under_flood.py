"""Floods an outsider can send at login do not take it down: a real customer still logs in.

Once, 80 concurrent refreshes with bogus tokens held every PgBouncer server connection of
users (each refresh waited for a second connection while holding its first) and login,
registration and readiness were down for minutes. Now a bogus refresh costs one short
statement and Argon2id never holds a connection; the gateway's `auth` zone lets one address
make only a handful of login attempts, and users answers 503 rather than queueing hashes
without end (docs/auth.md, "Floods").

Each flood is bounded: a fixed number of requests, each with its own timeout, all within a
deadline. The attacker's logins share one X-E2E-Rate-Limit-Key (one address, as the gateway
counts them in the e2e variant of its limits); the real customer has a key of its own.
"""

import asyncio
import secrets
import time
from collections import Counter
from collections.abc import Coroutine
from typing import Any

import httpx
import pytest

from e2e_testing.customers import Customer, RegisterCustomer
from e2e_testing.stack import E2E_RATE_LIMIT_HEADER, SERVICE_REPLICAS, Shop
from users.settings import UsersSettings

USERS = "/api/users"
REFRESH_FLOOD = 80
LOGIN_FLOOD = 40
REQUEST_TIMEOUT_SECONDS = 10.0
FLOOD_DEADLINE_SECONDS = 60.0
# What the issue asks: a real login answers within 3 s while the floods run.
REAL_LOGIN_WITHIN_SECONDS = 3.0
# What an attacker may get back: refused, rate-limited, or told to come back. Never a 500 or
# a gateway timeout.
FLOOD_STATUSES = {401, 429, 503}


def _bogus_refresh_token() -> str:
    # Shaped like the tokens users issues (43 characters of base64url), so that each one is
    # looked up in the database: the expensive kind of bogus.
    return secrets.token_urlsafe(32)


async def _refresh_flood(client: httpx.AsyncClient) -> list[int]:
    async def one() -> int:
        response = await client.post(
            f"{USERS}/auth/refresh", json={"refresh_token": _bogus_refresh_token()}
        )
        return response.status_code

    return list(await asyncio.gather(*(one() for _ in range(REFRESH_FLOOD))))


async def _slow_login_flood(client: httpx.AsyncClient, victim: Customer) -> list[int]:
    attacker = {E2E_RATE_LIMIT_HEADER: f"attacker-{secrets.token_hex(4)}"}

    async def one(guess: int) -> int:
        response = await client.post(
            f"{USERS}/auth/login",
            data={"username": victim.username, "password": f"guess number {guess}"},
            headers=attacker,
        )
        return response.status_code

    return list(await asyncio.gather(*(one(guess) for guess in range(LOGIN_FLOOD))))


def _timed_login(gateway: httpx.Client, customer: Customer) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = gateway.post(
        f"{USERS}/auth/login",
        data={"username": customer.username, "password": customer.password},
        headers={E2E_RATE_LIMIT_HEADER: f"customer-{secrets.token_hex(4)}"},
    )
    return response, time.monotonic() - started


@pytest.mark.parametrize(
    "floods",
    [
        pytest.param(("refresh",), id="bogus-refreshes"),
        pytest.param(("login",), id="slow-logins"),
        pytest.param(("refresh", "login"), id="both"),
    ],
)
async def test_a_real_login_succeeds_within_3_seconds_beside_the_flood(
    shop: Shop,
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    floods: tuple[str, ...],
) -> None:
    # Every users replica admits REFRESH_CONCURRENCY refreshes at once: the flood outnumbers
    # all of them together many times over, or no refresh would wait its turn at the bulkhead.
    admitted_at_once = SERVICE_REPLICAS * shop.settings("users", UsersSettings).refresh_concurrency
    assert REFRESH_FLOOD // admitted_at_once >= 10
    victim, customer = register_customer(), register_customer()
    total = (REFRESH_FLOOD if "refresh" in floods else 0) + (
        LOGIN_FLOOD if "login" in floods else 0
    )
    sent, half_sent = 0, asyncio.Event()

    async def count_sent(_: httpx.Request) -> None:
        nonlocal sent
        sent += 1
        if sent >= total // 2:
            half_sent.set()

    async with (
        httpx.AsyncClient(
            base_url=shop.gateway_url,
            timeout=REQUEST_TIMEOUT_SECONDS,
            limits=httpx.Limits(max_connections=REFRESH_FLOOD + LOGIN_FLOOD),
            event_hooks={"request": [count_sent]},
        ) as attacker,
    ):
        attacks: dict[str, Coroutine[Any, Any, list[int]]] = {}
        if "refresh" in floods:
            attacks["refresh"] = _refresh_flood(attacker)
        if "login" in floods:
            attacks["login"] = _slow_login_flood(attacker, victim)
        flood = asyncio.gather(*attacks.values())
        # The real login goes out once half of the flood is on its way.
        await asyncio.wait_for(half_sent.wait(), REQUEST_TIMEOUT_SECONDS)

        # From a thread of its own, as another client would: the flood's responses, handled
        # on this event loop, do not hold it up on our side.
        real, real_seconds = await asyncio.to_thread(_timed_login, gateway, customer)
        outcomes = dict(
            zip(attacks, await asyncio.wait_for(flood, FLOOD_DEADLINE_SECONDS), strict=True)
        )
        ready = await attacker.get(f"{USERS}/readyz", timeout=2.0)

    assert real.status_code == 200, real.text
    assert real_seconds < REAL_LOGIN_WITHIN_SECONDS, f"the real login took {real_seconds:.2f} s"
    for name, statuses in outcomes.items():
        tally = Counter(statuses)
        assert set(tally) <= FLOOD_STATUSES, f"{name} flood: {dict(tally)}"
    if "refresh" in outcomes:
        # The bogus refreshes reached users (no rate limit stops them) and were refused there.
        tally = Counter(outcomes["refresh"])
        assert tally[401] >= REFRESH_FLOOD // 2, tally
    if "login" in outcomes:
        tally = Counter(outcomes["login"])
        # One address: the gateway let a few guesses through to users and limited the rest.
        assert tally[401] >= 1, tally
        assert tally[429] >= LOGIN_FLOOD - 10, tally
    # Afterwards users is ready at once, not after minutes.
    assert ready.status_code == 200, ready.text
