"""Freeing the usernames and emails of erased accounts once their retention is over.

A background job of every users replica; replicas releasing side by side only delete the
same rows twice (the second delete finds nothing), so no coordination is needed.
"""

import logging
from typing import Any

from service_kit.background import PeriodicJob
from service_kit.database import Database
from users.accounts.repository import ErasedNameRepository
from users.settings import UsersSettings

logger = logging.getLogger(__name__)


async def release_erased_names(*, database: Database) -> int:
    """Delete the digests of names held past their time, in one statement; how many."""
    async with database.autocommit() as session:
        released = await ErasedNameRepository(session).release_expired()
    if released:
        logger.info("released names of erased accounts", extra={"released": released})
    return released


def erased_name_release(settings: UsersSettings) -> PeriodicJob:
    """Every ERASED_NAMES_RELEASE_INTERVAL_SECONDS, free the names whose
    ERASED_NAMES_RETENTION_SECONDS are over (registration already accepts them from then)."""

    async def release(state: Any) -> int:
        return await release_erased_names(database=state.database)

    return PeriodicJob(
        name="erased-name-release",
        interval_seconds=settings.erased_names_release_interval_seconds,
        run=release,
    )
