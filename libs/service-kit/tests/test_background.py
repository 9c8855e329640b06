"""Periodic jobs keep running through failures and stop with the app."""

import asyncio

from prometheus_client import REGISTRY

from service_kit.background import run_periodically


def _failures(job: str) -> float:
    return REGISTRY.get_sample_value("background_job_failures_total", {"job": job}) or 0.0


def _completed_rounds(job: str) -> float:
    return REGISTRY.get_sample_value("background_job_rounds_total", {"job": job}) or 0.0


def _running(name: str) -> bool:
    return any(task.get_name() == name for task in asyncio.all_tasks())


async def test_a_failing_round_is_counted_and_the_job_keeps_running() -> None:
    rounds = 0
    third_round = asyncio.Event()

    async def flaky() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            raise RuntimeError("database away for a moment")
        if rounds == 3:
            third_round.set()

    before = _failures("flaky")
    async with run_periodically(name="flaky", interval_seconds=0.01, job=flaky):
        await asyncio.wait_for(third_round.wait(), timeout=5)

    assert _failures("flaky") == before + 1


async def test_every_completed_round_is_counted_and_a_failed_one_is_not() -> None:
    rounds = 0
    fourth_round = asyncio.Event()

    async def flaky() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 4:
            fourth_round.set()
            await asyncio.Event().wait()  # still running when the context closes: not completed
        if rounds == 2:
            raise RuntimeError("database away for a moment")

    before = _completed_rounds("counted")
    async with run_periodically(
        name="counted", interval_seconds=0.01, job=flaky, stop_timeout_seconds=0.05
    ):
        await asyncio.wait_for(fourth_round.wait(), timeout=5)

    assert _completed_rounds("counted") == before + 2  # rounds 1 and 3


async def test_leaving_the_context_stops_the_job() -> None:
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    async with run_periodically(name="stops", interval_seconds=0.01, job=job):
        await asyncio.wait_for(ran.wait(), timeout=5)
        assert _running("stops")

    assert not _running("stops")


async def test_a_round_that_outlives_the_stop_deadline_is_cancelled() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def stuck() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async with run_periodically(
        name="stuck", interval_seconds=60, job=stuck, stop_timeout_seconds=0.05
    ):
        await asyncio.wait_for(started.wait(), timeout=5)

    assert cancelled.is_set()
    assert not _running("stuck")
