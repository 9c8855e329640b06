"""Deleting refresh tokens and logins that ended, so the tables stay the size of live logins.

A background job of every users replica; replicas pruning side by side only delete the same
rows twice (the second delete finds nothing), so no coordination is needed.
"""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from service_kit.background import PeriodicJob
from service_kit.database import Database
from users.auth.repository import RefreshTokenRepository
from users.settings import UsersSettings

logger = logging.getLogger(__name__)


async def prune_refresh_tokens(*, database: Database, retention: timedelta) -> int:
    """Delete what ended more than `retention` ago, in one short transaction; returns how many."""
    async with database.transaction() as session:
        deleted = await RefreshTokenRepository(session).delete_stale(
            cutoff=datetime.now(UTC) - retention
        )
    if deleted:
        logger.info("pruned ended refresh tokens and logins", extra={"deleted": deleted})
    return deleted


def refresh_token_pruning(settings: UsersSettings) -> PeriodicJob:
    """Every REFRESH_TOKEN_PRUNE_INTERVAL_SECONDS, delete what ended
    REFRESH_TOKEN_RETENTION_SECONDS ago."""
    retention = timedelta(seconds=settings.refresh_token_retention_seconds)

    async def prune(state: Any) -> int:
        return await prune_refresh_tokens(database=state.database, retention=retention)

    return PeriodicJob(
        name="refresh-token-pruning",
        interval_seconds=settings.refresh_token_prune_interval_seconds,
        run=prune,
    )
