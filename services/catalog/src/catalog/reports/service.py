"""Admin reports: what is running out, and how prices spread per category."""

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.reports.repository import ReportRepository
from catalog.reports.schemas import CategoryStats, LowStockProduct
from service_kit.pagination import KeysetPage, PageCursors, cursor_int, cursor_uuid, query_digest


async def low_stock(
    *,
    session: AsyncSession,
    cursors: PageCursors,
    threshold: int,
    limit: int,
    cursor: str | None,
) -> KeysetPage[LowStockProduct]:
    digest = query_digest(report="low-stock", threshold=threshold)
    after = None
    if cursor is not None:
        available, product_id = cursors.read(cursor, digest=digest, key_length=2)
        after = (cursor_int(available), cursor_uuid(product_id))
    rows = await ReportRepository(session).low_stock(
        threshold=threshold, after=after, limit=limit + 1
    )
    items = [
        LowStockProduct(
            product_id=row.id,
            name=row.name,
            slug=row.slug,
            sku=row.sku,
            available=row.stock_available,
            held=row.stock_held,
            committed=row.stock_committed,
        )
        for row in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = cursors.issue(digest=digest, key=[last.available, str(last.product_id)])
    return KeysetPage(items=items, next_cursor=next_cursor)


async def category_stats(*, session: AsyncSession) -> list[CategoryStats]:
    rows = await ReportRepository(session).category_stats()
    return [
        CategoryStats(
            category_id=row.id,
            name=row.name,
            slug=row.slug,
            product_count=row.product_count,
            min_price=row.min_price,
            avg_price=row.avg_price,
            max_price=row.max_price,
        )
        for row in rows
    ]
