"""Engine and per-request session, configured for PgBouncer in transaction pooling mode."""

import enum
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, MetaData, String, TypeDecorator, func, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import NullPool

from service_kit.app_state import from_app_state
from service_kit.settings import DatabaseSettings

# Stable constraint names, so migrations can refer to them and autogenerate stays quiet.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata(schema: str) -> MetaData:
    """Metadata whose tables all live in the service's own schema."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def create_database_engine(
    url: str, *, connect_timeout_seconds: float, pool_size: int = 0
) -> AsyncEngine:
    """An engine for the service's PgBouncer (transaction pooling, PgBouncer 1.21 or newer).

    In transaction pooling consecutive transactions of one client connection may run on
    different server connections, so nothing may outlive a transaction but protocol-level
    prepared statements: PgBouncer's `max_prepared_statements` tracks those per server
    connection (preparing them there when needed, evicting the least recently used), so
    asyncpg and SQLAlchemy keep their statement caches and the server's stay bounded.

    By default (`pool_size=0`) the engine pools nothing itself: PgBouncer is the pool, and
    every transaction opens a new client connection to it, over its Unix socket (no TCP, no
    TLS handshake). With `pool_size > 0` it keeps that many client connections open, which
    saves the connection set-up, the SCRAM exchange and the statement preparation.
    """
    pooling: dict[str, Any] = (
        {"poolclass": NullPool}
        if pool_size == 0
        # No pre-ping: it costs three round trips per checkout (BEGIN, a ping, ROLLBACK). A
        # connection broken by a PgBouncer restart fails its one transaction instead, and
        # SQLAlchemy then drops every connection the pool held.
        # A request waits for a kept connection as long as it would wait to open one; past
        # that it is a 503 (service_kit.database_errors), not a queue that grows unbounded.
        else {
            "pool_size": pool_size,
            "max_overflow": pool_size,
            "pool_timeout": connect_timeout_seconds,
        }
    )
    return create_async_engine(
        url,
        **pooling,
        # A failed statement's error (and so its log line) never carries the row's values:
        # they can be password hashes, tokens or personal data.
        hide_parameters=True,
        connect_args={"timeout": connect_timeout_seconds},
    )


class Database:
    """The engine and session factories of one service process."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        # Autocommit: each statement is its own transaction, so work of one statement costs
        # one round trip instead of three (BEGIN, the statement, COMMIT).
        self._autocommit_sessionmaker = async_sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    @classmethod
    def from_settings(cls, settings: DatabaseSettings) -> "Database":
        return cls(
            create_database_engine(
                settings.database_url,
                connect_timeout_seconds=settings.database_connect_timeout_seconds,
                pool_size=settings.database_pool_size,
            )
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction, for work outside a request (jobs, sagas, the CLI):
        committed when the block ends, rolled back if it raises."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    def autocommit(self) -> AsyncSession:
        """A session on which every statement is its own transaction: no BEGIN, no COMMIT.

        For work of one statement outside a request, a read or a write: PostgreSQL runs a
        statement atomically anyway. Through PgBouncer in transaction mode this needs its
        prepared-statement tracking (1.21+, max_prepared_statements > 0), because a
        statement's prepare and its execution are separate protocol exchanges.
        Use it as `async with database.autocommit() as session:`.
        """
        return self._autocommit_sessionmaker()

    async def ping(self) -> None:
        async with self.autocommit() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


# For endpoints that manage their own transactions (a saga step that must commit before the
# request ends, Argon2 hashed with no connection held); the rest take SessionDep.
DatabaseDep = Annotated[Database, Depends(from_app_state("database"))]


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: commit when the endpoint returns, roll back if it raises.

    Services and repositories only flush; they never commit.
    """
    database: Database = request.app.state.database
    async with database.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.database
    async with database.autocommit() as session:
        yield session


# scope="function" ends the dependency before the response is sent, so a failed commit
# becomes an error response instead of a success the client wrongly believes.
SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]
# For an endpoint that reads in one statement and writes nothing: no transaction around it.
# (Several statements would each see their own snapshot; those take SessionDep.)
ReadSessionDep = Annotated[AsyncSession, Depends(_read_session, scope="function")]


EnumT = TypeVar("EnumT", bound=enum.StrEnum)


class StringEnum(TypeDecorator[EnumT]):
    """A `StrEnum` stored as its value in a varchar column: rows carry the enum member, and
    the schema stays a plain string column (a CHECK constraint lists the values)."""

    impl = String
    cache_ok = True

    def __init__(self, enum_type: type[EnumT], length: int) -> None:
        super().__init__(length)
        self.enum_type = enum_type

    def process_bind_param(self, value: EnumT | str | None, dialect: Dialect) -> str | None:
        # A member or its value; anything else is a bug, refused before it reaches SQL.
        return None if value is None else self.enum_type(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> EnumT | None:
        return None if value is None else self.enum_type(value)

    @property
    def python_type(self) -> type[EnumT]:
        return self.enum_type


class TimestampedMixin:
    """created_at / updated_at kept by the database clock."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint a failed statement violated, to turn races into precise 409s.

    SQLAlchemy wraps asyncpg's exception, which names the constraint.
    """
    cause = error.orig.__cause__ if error.orig is not None else None
    name = getattr(cause, "constraint_name", None)
    return name if isinstance(name, str) else None
