"""Password hashes a test can hold, to act while a request is inside one."""

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx
from fastapi import FastAPI

from users.accounts.passwords import PasswordHasher
from users.settings import UsersSettings
from users_testing import DEADLINE_SECONDS
from users_testing.connection_watch import ConnectionWatch

_Result = TypeVar("_Result")


class HeldPasswordHasher(PasswordHasher):
    """Real Argon2id, but a hash the test asked to hold waits in its worker thread until the
    test lets it go: so a test can act, and look at the database, while a request is inside
    a hash, in a fixed order instead of a timed one."""

    def __init__(self, **parameters: int) -> None:
        super().__init__(**parameters)
        self._holds: deque[threading.Event] = deque()
        self.entered = asyncio.Semaphore(0)  # released once per held hash that started

    def hold_next(self) -> threading.Event:
        """Hold the next hash to be asked for; `.set()` the answer to let it go."""
        gate = threading.Event()
        self._holds.append(gate)
        return gate

    async def wait_until_inside(self) -> None:
        """Until a held hash is running (it holds its slot and waits for its gate)."""
        await asyncio.wait_for(self.entered.acquire(), timeout=DEADLINE_SECONDS)

    async def _compute(self, function: Callable[..., _Result], *args: str) -> _Result:
        if not self._holds:
            return await super()._compute(function, *args)
        gate = self._holds.popleft()
        loop = asyncio.get_running_loop()

        def held(*arguments: str) -> _Result:
            loop.call_soon_threadsafe(self.entered.release)
            gate.wait(timeout=DEADLINE_SECONDS)
            return function(*arguments)

        return await super()._compute(held, *args)


def hold_hashes(app: FastAPI, settings: UsersSettings) -> HeldPasswordHasher:
    """Give the app a HeldPasswordHasher with the settings' parameters."""
    held = HeldPasswordHasher(
        time_cost=settings.password_hash_time_cost,
        memory_kib=settings.password_hash_memory_kib,
        parallelism=settings.password_hash_parallelism,
        concurrency=settings.password_hash_concurrency,
        queue_limit=settings.password_hash_queue_limit,
    )
    app.state.password_hasher = held
    return held


@dataclass(frozen=True)
class HeldApp:
    """The `held_app` fixture: the app with hashes a test can hold, connections watched."""

    client: httpx.AsyncClient
    hasher: HeldPasswordHasher
    connections: ConnectionWatch
