import uuid
from collections.abc import Sequence

from sqlalchemy import Boolean, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models import Base
from service_kit.database import TimestampedMixin


class Category(TimestampedMixin, Base):
    """A node of the category tree. Deactivating one is refused while anything active is in it,
    so an active category never sits under an inactive one."""

    __tablename__ = "categories"
    # Fetch server-side values (timestamps) with RETURNING instead of expiring them.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012  (SQLAlchemy reads it once)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class CategoryBranch:
    """A category of the active tree with the branches under it (siblings by name): the
    tree as the service builds it from the rows, for the answer to read by attribute."""

    __slots__ = ("category", "children")

    def __init__(self, category: Category) -> None:
        self.category = category
        self.children: list[CategoryBranch] = []


class CategoryInTree:
    """A category with its place in the tree: the path from the top down to its parent,
    and its active subcategories."""

    __slots__ = ("ancestors", "category", "children")

    def __init__(
        self, category: Category, *, ancestors: Sequence[Category], children: Sequence[Category]
    ) -> None:
        self.category = category
        self.ancestors = ancestors
        self.children = children
