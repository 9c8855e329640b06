"""Engine and per-request session, configured for PgBouncer in transaction pooling mode."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any
from uuid import uuid4

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, func, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import NullPool

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


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid4().hex}__"


def create_database_engine(
    url: str, *, connect_timeout_seconds: float, pool_size: int = 0
) -> AsyncEngine:
    """An engine for PgBouncer in transaction pooling mode.

    In transaction pooling consecutive transactions of one client connection may run on
    different server connections, so nothing may outlive a transaction: no statement caches
    (asyncpg's or SQLAlchemy's) and prepared statements with names that never collide.

    By default (`pool_size=0`) the engine pools nothing itself: PgBouncer is the pool, and
    every transaction opens a new client connection to it. With `pool_size > 0` it keeps that
    many client connections to PgBouncer open, which is safe for the same reason (no session
    state) and saves the connection set-up and SCRAM handshake per transaction.
    """
    pooling: dict[str, Any] = (
        {"poolclass": NullPool}
        if pool_size == 0
        else {"pool_size": pool_size, "max_overflow": pool_size, "pool_pre_ping": True}
    )
    return create_async_engine(
        url,
        **pooling,
        # A failed statement's error (and so its log line) never carries the row's values:
        # they can be password hashes, tokens or personal data.
        hide_parameters=True,
        connect_args={
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": _unique_statement_name,
            "timeout": connect_timeout_seconds,
        },
    )


class Database:
    """The engine and session factory of one service process."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: DatabaseSettings) -> "Database":
        return cls(
            create_database_engine(
                settings.database_url,
                connect_timeout_seconds=settings.database_connect_timeout_seconds,
                pool_size=settings.database_pool_size,
            )
        )

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


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


# scope="function" ends the dependency before the response is sent, so a failed commit
# becomes an error response instead of a success the client wrongly believes.
SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]


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
