"""Every query on categories."""

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy import exists, literal, select, text, tuple_
from sqlalchemy.orm import aliased

from catalog.categories.errors import CategorySlugTaken
from catalog.categories.models import Category
from catalog.products.models import Product
from service_kit.repository import Repository


class CategoryRepository(Repository[Category]):
    model = Category
    constraint_problems: ClassVar = {
        "uq_categories_slug": lambda: CategorySlugTaken("Another category already uses this slug.")
    }

    async def lock_tree(self) -> None:
        """Serialize every write to the tree for the rest of the transaction.

        Category writes are rare admin operations; serializing them makes the cycle check and
        the "nothing active inside" check race-free. Readers and FOR SHARE row locks (product
        writes that check their category) are not blocked.
        """
        await self.session.execute(
            text("LOCK TABLE catalog.categories IN SHARE ROW EXCLUSIVE MODE")
        )

    async def get_for_share(self, category_id: uuid.UUID) -> Category | None:
        """The category, locked against deactivation until the transaction ends."""
        return await self.session.scalar(
            select(Category).where(Category.id == category_id).with_for_update(read=True)
        )

    async def get_active(self, ref: uuid.UUID | str) -> Category | None:
        condition = Category.id == ref if isinstance(ref, uuid.UUID) else Category.slug == ref
        return await self.session.scalar(select(Category).where(condition, Category.is_active))

    async def list_active_page(
        self, *, after: tuple[str, uuid.UUID] | None, limit: int
    ) -> Sequence[Category]:
        statement = select(Category).where(Category.is_active)
        if after is not None:
            statement = statement.where(tuple_(Category.name, Category.id) > tuple_(*after))
        statement = statement.order_by(Category.name, Category.id).limit(limit)
        return (await self.session.scalars(statement)).all()

    async def list_all_active(self) -> Sequence[Category]:
        statement = select(Category).where(Category.is_active).order_by(Category.name, Category.id)
        return (await self.session.scalars(statement)).all()

    async def list_active_children(self, category_id: uuid.UUID) -> Sequence[Category]:
        statement = (
            select(Category)
            .where(Category.parent_id == category_id, Category.is_active)
            .order_by(Category.name, Category.id)
        )
        return (await self.session.scalars(statement)).all()

    async def list_ancestors(self, category_id: uuid.UUID) -> Sequence[Category]:
        """From the top level down to the category's parent, in one recursive query."""
        chain = (
            select(Category.parent_id.label("id"), literal(1).label("depth"))
            .where(Category.id == category_id)
            .cte("chain", recursive=True)
        )
        parent = aliased(Category, name="parent")
        chain = chain.union_all(
            select(parent.parent_id, chain.c.depth + 1).where(parent.id == chain.c.id)
        )
        statement = (
            select(Category).join(chain, Category.id == chain.c.id).order_by(chain.c.depth.desc())
        )
        return (await self.session.scalars(statement)).all()

    async def is_in_subtree(self, candidate_id: uuid.UUID, *, root_id: uuid.UUID) -> bool:
        """Whether `candidate_id` is `root_id` or one of its descendants."""
        subtree = subtree_ids(root_id)
        found = await self.session.scalar(select(exists().where(subtree.c.id == candidate_id)))
        return bool(found)

    async def has_active_children(self, category_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(exists().where(Category.parent_id == category_id, Category.is_active))
        )
        return bool(found)

    async def has_active_products(self, category_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(exists().where(Product.category_id == category_id, Product.is_active))
        )
        return bool(found)

    async def ids_by_slug(self, slugs: Sequence[str]) -> dict[str, uuid.UUID]:
        rows = await self.session.execute(
            select(Category.slug, Category.id).where(Category.slug.in_(slugs))
        )
        return {slug: category_id for slug, category_id in rows}  # noqa: C416 (rows are no mapping)

    async def visible_ids(self) -> set[uuid.UUID]:
        """Active categories whose ancestors are all active: where the public sees products."""
        rows = await self.session.scalars(
            text(
                "WITH RECURSIVE visible (id) AS ("
                "  SELECT id FROM catalog.categories WHERE parent_id IS NULL AND is_active"
                "  UNION ALL"
                "  SELECT child.id FROM catalog.categories AS child"
                "  JOIN visible ON child.parent_id = visible.id WHERE child.is_active"
                ") SELECT id FROM visible"
            )
        )
        return set(rows.all())

    async def taken_slugs(self, base: str) -> set[str]:
        """Slugs equal to `base` or `base-<something>`: candidates for the next free one."""
        statement = select(Category.slug).where(
            (Category.slug == base) | Category.slug.startswith(base + "-", autoescape=True)
        )
        return set((await self.session.scalars(statement)).all())


def subtree_ids(root: uuid.UUID | Any) -> Any:
    """A recursive CTE of the ids of `root` (an id or a scalar subquery) and its descendants."""
    subtree = select(Category.id).where(Category.id == root).cte("subtree", recursive=True)
    child = aliased(Category, name="child")
    return subtree.union_all(select(child.id).where(child.parent_id == subtree.c.id))
