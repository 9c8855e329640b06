"""Every statement that moves units of stock.

Units only ever move between a product's three columns (available, held, committed) or enter
and leave through a recorded movement, in single conditional UPDATE statements: a move that
would take a column below zero matches no row (and the CHECK constraints are the backstop).
Statements that touch several products run after `lock_products`, which locks them in id
order, so concurrent transactions always queue in the same order and cannot deadlock.
"""

import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, Row, text

from catalog.stock.models import StockMovement, StockMovementKind
from service_kit.numbers import INT4_MAX
from service_kit.repository import Repository

# A product's three counters are `integer` columns and together hold all its units, so their
# sum may not pass what one of them can hold: then no move between them can overflow either.
MAX_UNITS_PER_PRODUCT = INT4_MAX


class StockColumn(enum.StrEnum):
    AVAILABLE = "stock_available"
    HELD = "stock_held"
    COMMITTED = "stock_committed"


@dataclass(frozen=True)
class StockRow:
    """Where a product's units are (the answer's StockLevels, read by attribute)."""

    product_id: uuid.UUID
    available: int
    held: int
    committed: int


@dataclass(frozen=True)
class LockedProduct:
    product_id: uuid.UUID
    name: str
    sku: str
    price: Decimal
    is_active: bool
    available: int

    @classmethod
    def from_row(cls, row: Row[Any]) -> "LockedProduct":
        """From a row of a products statement (id, name, sku, price, is_active, stock_available)."""
        return cls(
            product_id=row.id,
            name=row.name,
            sku=row.sku,
            price=row.price,
            is_active=row.is_active,
            available=row.stock_available,
        )


def _stock_row(row: Row[Any]) -> StockRow:
    return StockRow(
        product_id=row.id,
        available=row.stock_available,
        held=row.stock_held,
        committed=row.stock_committed,
    )


class StockRepository(Repository[StockMovement]):
    """The stock ledger (its rows are StockMovements) and the product columns it balances."""

    model = StockMovement

    async def levels(self, product_id: uuid.UUID) -> StockRow | None:
        row = (
            await self.session.execute(
                text(
                    "SELECT id, stock_available, stock_held, stock_committed"
                    " FROM catalog.products WHERE id = :product_id"
                ),
                {"product_id": product_id},
            )
        ).one_or_none()
        return _stock_row(row) if row is not None else None

    async def change_available(self, *, product_id: uuid.UUID, delta: int) -> StockRow | None:
        """Add `delta` units to available stock unless that takes it below zero or the
        product's units past MAX_UNITS_PER_PRODUCT (then None, and nothing changes)."""
        # The checks add in bigint: in integer the sum itself would overflow (an error).
        row = (
            await self.session.execute(
                text(
                    "UPDATE catalog.products"
                    " SET stock_available = stock_available + CAST(:delta AS integer),"
                    " updated_at = now()"
                    " WHERE id = :product_id"
                    " AND CAST(stock_available AS bigint) + :delta >= 0"
                    " AND CAST(stock_available AS bigint) + stock_held + stock_committed + :delta"
                    " <= :max_units"
                    " RETURNING id, stock_available, stock_held, stock_committed"
                ),
                {"product_id": product_id, "delta": delta, "max_units": MAX_UNITS_PER_PRODUCT},
            )
        ).one_or_none()
        return _stock_row(row) if row is not None else None

    async def record_movement(
        self,
        *,
        product_id: uuid.UUID,
        kind: StockMovementKind,
        quantity: int,
        reason: str | None,
        recorded_by: uuid.UUID | None,
    ) -> None:
        await self.add(
            StockMovement(
                product_id=product_id,
                kind=kind,
                quantity=quantity,
                reason=reason,
                recorded_by=recorded_by,
            )
        )

    async def record_movements(self, movements: Sequence[StockMovement]) -> None:
        """Several ledger rows at once: one INSERT, however many."""
        self.session.add_all(movements)
        await self.flush()

    async def lock_products(self, product_ids: Sequence[uuid.UUID]) -> list[LockedProduct]:
        """Lock the products that exist among `product_ids`, in id order, until commit."""
        rows = await self.session.execute(
            text(
                "SELECT id, name, sku, price, is_active, stock_available FROM catalog.products"
                " WHERE id = ANY(CAST(:product_ids AS uuid[])) ORDER BY id FOR UPDATE"
            ),
            {"product_ids": sorted(product_ids)},
        )
        return [LockedProduct.from_row(row) for row in rows]

    async def move(
        self,
        quantities: Mapping[uuid.UUID, int],
        *,
        source: StockColumn,
        target: StockColumn,
    ) -> int:
        """Move units from one column to another for each product, in one statement.

        Only rows whose `source` holds enough move; returns how many did. Callers lock the
        products first (`lock_products`) and treat a count short of len(quantities) as
        "not enough".
        """
        if not quantities:
            return 0
        product_ids = sorted(quantities)
        result = await self.session.execute(
            text(
                f"UPDATE catalog.products AS p SET {source} = p.{source} - m.quantity,"  # noqa: S608
                f" {target} = p.{target} + m.quantity, updated_at = now()"
                " FROM unnest(CAST(:product_ids AS uuid[]), CAST(:quantities AS integer[]))"
                " AS m(product_id, quantity)"
                f" WHERE p.id = m.product_id AND p.{source} >= m.quantity"
            ),
            {
                "product_ids": product_ids,
                "quantities": [quantities[product_id] for product_id in product_ids],
            },
        )
        return cast(CursorResult[Any], result).rowcount
