"""Admin reports: what is running out, and how prices spread per category."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.reports.repository import ReportRepository
from service_kit.pagination import (
    KeysetPageOfRows,
    PageCursors,
    cursor_int,
    cursor_uuid,
    keyset_page,
    query_digest,
)


async def low_stock(
    *,
    session: AsyncSession,
    cursors: PageCursors,
    threshold: int,
    limit: int,
    cursor: str | None,
) -> KeysetPageOfRows[Row[Any]]:
    digest = query_digest(report="low-stock", threshold=threshold)
    after = None
    if cursor is not None:
        available, product_id = cursors.read(cursor, digest=digest, key_length=2)
        after = (cursor_int(available), cursor_uuid(product_id))
    rows = await ReportRepository(session).low_stock(
        threshold=threshold, after=after, limit=limit + 1
    )
    return keyset_page(
        rows,
        limit=limit,
        cursor_after=lambda last: cursors.issue(
            digest=digest, key=[last.available, str(last.product_id)]
        ),
    )


async def category_stats(*, session: AsyncSession) -> Sequence[Row[Any]]:
    return await ReportRepository(session).category_stats()
