"""Waiting for a condition with a deadline, never for a fixed time."""

import asyncio
import time
from collections.abc import Awaitable, Callable

POLL_INTERVAL_SECONDS = 0.05


async def eventually(condition: Callable[[], Awaitable[bool]], *, within_seconds: float) -> bool:
    """Poll `condition` until it holds (True) or the time is up (its last answer)."""
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        if await condition():
            return True
        await asyncio.sleep(POLL_INTERVAL_SECONDS)
    return await condition()


def eventually_sync(
    condition: Callable[[], bool], *, within_seconds: float, interval_seconds: float = 0.25
) -> bool:
    """The same for synchronous checks (end-to-end tests over HTTP; poll gently there)."""
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval_seconds)
    return condition()
