"""Watching how many database connections the app holds, and what it runs on them."""

from typing import Any

from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from testing_kit.statement_meter import StatementMeter
from testing_kit.waiting import eventually
from users_testing import DEADLINE_SECONDS


class ConnectionWatch:
    """How many database connections the app holds now, and the most it held at once."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.open = 0
        self.peak = 0
        event.listen(engine.sync_engine, "checkout", self._checked_out)
        event.listen(engine.sync_engine, "checkin", self._checked_in)

    def _checked_out(self, *_: Any) -> None:
        self.open += 1
        self.peak = max(self.peak, self.open)

    def _checked_in(self, *_: Any) -> None:
        self.open -= 1

    def reset_peak(self) -> None:
        """Count the most held at once from now on."""
        self.peak = self.open


async def after_the_first_job_rounds(app: FastAPI) -> tuple[StatementMeter, ConnectionWatch]:
    """Meter and watch the app's database use, from when the first rounds of the refresh-token
    pruning (two DELETEs) and of the erased-name release (one) have ended: they run right
    after start-up, and their tasks have not run yet when serve() returns; so that no test
    counts them with a request."""
    engine = app.state.database.engine
    meter, connections = StatementMeter(engine), ConnectionWatch(engine)
    async with meter.counting() as tally:

        async def first_rounds_ended() -> bool:
            deleted = sum(statement.startswith("DELETE") for statement in tally.statements)
            return deleted == 3 and connections.open == 0

        assert await eventually(first_rounds_ended, within_seconds=DEADLINE_SECONDS)
    # The two jobs' rounds may overlap, each with its connection: no request held those.
    connections.reset_peak()
    return meter, connections
