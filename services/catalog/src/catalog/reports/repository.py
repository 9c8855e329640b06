"""Read-only queries for the admin reports."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, text

from catalog.products.models import Product
from service_kit.repository import Repository


class ReportRepository(Repository[Product]):
    """Reads over the products (and their categories) that no endpoint of theirs needs.

    The columns are named as the reports' schemas name them, so a row is an answer's item.
    """

    model = Product

    async def low_stock(
        self, *, threshold: int, after: tuple[int, uuid.UUID] | None, limit: int
    ) -> Sequence[Row[Any]]:
        """Active products with at most `threshold` units available, scarcest first."""
        keyset = "AND (stock_available, id) > (:after_available, :after_id)" if after else ""
        statement = text(
            "SELECT id AS product_id, name, slug, sku, stock_available AS available,"  # noqa: S608
            " stock_held AS held, stock_committed AS committed"
            " FROM catalog.products"
            f" WHERE is_active AND stock_available <= :threshold {keyset}"
            " ORDER BY stock_available, id LIMIT :limit"
        )
        parameters: dict[str, Any] = {"threshold": threshold, "limit": limit}
        if after is not None:
            parameters.update(after_available=after[0], after_id=after[1])
        return (await self.session.execute(statement, parameters)).all()

    async def category_stats(self) -> Sequence[Row[Any]]:
        """Per active category: its active products and those of all its subcategories.

        Active products only sit in active categories under active parents, so walking the
        active tree finds them all.
        """
        statement = text(
            "WITH RECURSIVE tree (ancestor_id, category_id) AS ("
            "  SELECT id, id FROM catalog.categories WHERE is_active"
            "  UNION ALL"
            "  SELECT tree.ancestor_id, child.id FROM catalog.categories AS child"
            "  JOIN tree ON child.parent_id = tree.category_id WHERE child.is_active"
            ")"
            " SELECT c.id AS category_id, c.name, c.slug, count(p.id) AS product_count,"
            " min(p.price) AS min_price, round(avg(p.price), 2) AS avg_price,"
            " max(p.price) AS max_price"
            " FROM catalog.categories AS c"
            " JOIN tree ON tree.ancestor_id = c.id"
            " LEFT JOIN catalog.products AS p ON p.category_id = tree.category_id AND p.is_active"
            " GROUP BY c.id ORDER BY c.name, c.id"
        )
        return (await self.session.execute(statement)).all()
