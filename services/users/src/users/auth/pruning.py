"""Deleting refresh tokens and logins that ended, so the tables stay the size of live logins.

A background job of every users replica; replicas pruning side by side only delete the same
rows twice (the second delete finds nothing), so no coordination is needed.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from service_kit.app import ServiceLifespan
from service_kit.background import run_periodically
from service_kit.database import Database
from users.auth.repository import RefreshTokenRepository
from users.settings import UsersSettings

logger = logging.getLogger(__name__)


async def prune_refresh_tokens(*, database: Database, retention: timedelta) -> int:
    """Delete what ended more than `retention` ago, in one short transaction; returns how many."""
    async with database.sessionmaker() as session, session.begin():
        deleted = await RefreshTokenRepository(session).delete_stale(
            cutoff=datetime.now(UTC) - retention
        )
    if deleted:
        logger.info("pruned ended refresh tokens and logins", extra={"deleted": deleted})
    return deleted


def refresh_token_pruning(settings: UsersSettings) -> ServiceLifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def prune() -> int:
            return await prune_refresh_tokens(
                database=app.state.database,
                retention=timedelta(seconds=settings.refresh_token_retention_seconds),
            )

        async with run_periodically(
            name="refresh-token-pruning",
            interval_seconds=settings.refresh_token_prune_interval_seconds,
            job=prune,
        ):
            yield

    return lifespan
