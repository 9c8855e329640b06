"""A bulkhead: a bounded number of requests do a costly thing at once, a bounded number wait.

What an outsider can make users do for free, they can make it do by the hundred. Two things
are costly enough to need a bound: Argon2id hashing (CPU and memory, PasswordHasher) and the
database work of refreshes and logouts (a connection to PgBouncer each). A bulkhead lets
`concurrency` of them run and `queue_limit` more wait for a turn; beyond that the request is
refused at once (a 503 with Retry-After) instead of waiting behind a flood without end.

Bounding how many run also keeps the rest of the service responsive: a hundred refreshes
talking to PgBouncer at once fill the event loop's every turn and PgBouncer's queue, so a
login arriving among them waits for all of them; with four at a time it waits for four.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio

from service_kit.problems import ProblemError


class Bulkhead:
    """At most `concurrency` holders of a turn at once and `queue_limit` more waiting."""

    def __init__(
        self, *, concurrency: int, queue_limit: int, busy: Callable[[], ProblemError]
    ) -> None:
        self._turns = anyio.Semaphore(concurrency)
        self._capacity = concurrency + queue_limit
        self._busy = busy
        # Holding a turn or waiting for one. Only the event loop's thread changes it.
        self._admitted = 0

    @property
    def pending(self) -> int:
        """Requests holding a turn now or waiting for one."""
        return self._admitted

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for a turn, or raise the `busy` problem at once when the queue is full."""
        if self._admitted >= self._capacity:
            raise self._busy()
        self._admitted += 1
        try:
            async with self._turns:
                yield
        finally:
            self._admitted -= 1
