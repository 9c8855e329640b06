"""Counts what a piece of code asks of the database: connections, transactions, statements.

Deterministic, unlike timings: SQL statements are counted where SQLAlchemy hands them to the
driver, and what asyncpg sends of its own where it really sends it: BEGIN/COMMIT/ROLLBACK (an
autocommit statement sends none) and its type introspection (asyncpg caches types per
connection, so a statement whose parameters or results are arrays or rows costs three more
queries on every new connection - with NullPool, on every request). With asyncpg every
statement costs two round trips (prepare, then bind and execute) and every BEGIN, COMMIT or
ROLLBACK one; a new connection costs its set-up on top.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class Tally:
    connections: int = 0
    statements: list[str] = field(default_factory=list)
    begins: int = 0
    commits: int = 0
    rollbacks: int = 0
    # asyncpg's own queries (type introspection), not SQLAlchemy's statements.
    driver_queries: list[str] = field(default_factory=list)

    @property
    def transactions(self) -> int:
        """Explicit transactions: BEGINs sent (an autocommit statement is its own)."""
        return self.begins

    @property
    def round_trips(self) -> int:
        """Round trips on open connections (connection set-up not included)."""
        statements = len(self.statements) + len(self.driver_queries)
        return 2 * statements + self.begins + self.commits + self.rollbacks

    def summary(self) -> str:
        return (
            f"{self.connections} connections, {self.transactions} transactions,"
            f" {len(self.statements)} statements, {len(self.driver_queries)} driver queries,"
            f" {self.round_trips} round trips:\n  "
            + "\n  ".join(
                " ".join(statement.split())[:160]
                for statement in [*self.statements, *self.driver_queries]
            )
        )


@dataclass(frozen=True)
class Budget:
    """What a piece of code may ask of the database; `check` fails on any difference."""

    connections: int
    transactions: int
    statements: int
    driver_queries: int
    round_trips: int

    def check(self, tally: Tally) -> None:
        spent = Budget(
            connections=tally.connections,
            transactions=tally.transactions,
            statements=len(tally.statements),
            driver_queries=len(tally.driver_queries),
            round_trips=tally.round_trips,
        )
        assert spent == self, tally.summary()


class StatementMeter:
    """Attach to an engine; `async with meter.counting() as tally:` counts what runs inside."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._tally: Tally | None = None
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", self._on_statement)
        event.listen(sync_engine, "connect", self._on_connect)
        event.listen(sync_engine, "checkout", self._on_checkout)

    @asynccontextmanager
    async def counting(self) -> AsyncIterator[Tally]:
        self._tally = Tally()
        try:
            yield self._tally
            # asyncpg calls query loggers with call_soon: let the pending ones run.
            for _ in range(3):
                await asyncio.sleep(0)
        finally:
            self._tally = None

    def _on_statement(self, *args: Any) -> None:
        statement = args[2]
        if self._tally is not None:
            self._tally.statements.append(statement)

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        if self._tally is not None:
            self._tally.connections += 1

    def _on_checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(self._on_driver_query)

    def _on_driver_query(self, record: Any) -> None:
        if self._tally is None:
            return
        verb = record.query.strip().split(maxsplit=1)[0].rstrip(";").upper()
        if verb == "BEGIN":
            self._tally.begins += 1
        elif verb == "COMMIT":
            self._tally.commits += 1
        elif verb == "ROLLBACK":
            self._tally.rollbacks += 1
        else:
            self._tally.driver_queries.append(record.query)
