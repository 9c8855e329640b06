"""Periodic background jobs that live as long as the app: sweepers, reconcilers.

A job runs every `interval_seconds` in its own task. Every round is counted, completed or
failed, in the process's own metrics, so each replica's jobs can be seen at work. A failing
round is logged and the next round tries again (the database may be away for a moment). On
shutdown the current round may finish, up to a deadline, and is cancelled after it: jobs must
therefore keep every round in transactions that are safe to cut short.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter

logger = logging.getLogger(__name__)

JOB_ROUNDS = Counter(
    "background_job_rounds_total", "Rounds of a periodic job that completed", ["job"]
)
JOB_FAILURES = Counter(
    "background_job_failures_total", "Rounds of a periodic job that failed", ["job"]
)


@dataclass(frozen=True)
class PeriodicJob:
    """A job `create_service_app(jobs=...)` runs every `interval_seconds` while the app runs.

    `run` is given the app's state (its database, settings and the service's own resources),
    once they are all in place.
    """

    name: str
    interval_seconds: float
    run: Callable[[Any], Awaitable[object]]


async def _every(
    interval_seconds: float, job: Callable[[], Awaitable[object]], name: str, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        try:
            await job()
        except Exception:
            JOB_FAILURES.labels(name).inc()
            logger.exception("periodic job failed; retrying next round", extra={"job": name})
        else:
            JOB_ROUNDS.labels(name).inc()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)


@asynccontextmanager
async def run_periodically(
    *,
    name: str,
    interval_seconds: float,
    job: Callable[[], Awaitable[object]],
    stop_timeout_seconds: float = 10.0,
) -> AsyncIterator[None]:
    """Run `job` every `interval_seconds` while the context is open."""
    stop = asyncio.Event()
    task = asyncio.create_task(_every(interval_seconds, job, name, stop), name=name)
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=stop_timeout_seconds)
        except TimeoutError:
            logger.warning("periodic job did not stop in time; cancelled", extra={"job": name})
