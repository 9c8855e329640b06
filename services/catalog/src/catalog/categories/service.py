"""Browsing and administering the category tree."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.categories.errors import (
    CategoryCycle,
    CategoryNotEmpty,
    CategoryNotFound,
    ParentCategoryUnavailable,
)
from catalog.categories.models import Category, CategoryBranch, CategoryInTree
from catalog.categories.repository import CategoryRepository
from catalog.categories.schemas import (
    NAME_MAX_LENGTH,
    RESERVED_CATEGORY_SLUGS,
    SLUG_MAX_LENGTH,
    CategoryCreate,
    CategoryUpdate,
)
from catalog.slugs import next_free_slug, parse_ref, slug_from_name
from service_kit.pagination import (
    KeysetPageOfRows,
    PageCursors,
    cursor_str,
    cursor_uuid,
    keyset_page,
    query_digest,
)

_LIST_DIGEST = query_digest(resource="categories")


async def list_categories(
    *, session: AsyncSession, cursors: PageCursors, limit: int, cursor: str | None
) -> KeysetPageOfRows[Category]:
    """Active categories, flat, by name."""
    after: tuple[str, uuid.UUID] | None = None
    if cursor is not None:
        name, category_id = cursors.read(cursor, digest=_LIST_DIGEST, key_length=2)
        after = (cursor_str(name, max_length=NAME_MAX_LENGTH), cursor_uuid(category_id))
    rows = await CategoryRepository(session).list_active_page(after=after, limit=limit + 1)
    return keyset_page(
        rows,
        limit=limit,
        cursor_after=lambda last: cursors.issue(digest=_LIST_DIGEST, key=[last.name, str(last.id)]),
    )


async def category_tree(*, session: AsyncSession) -> list[CategoryBranch]:
    """The whole active tree, from one query; siblings by name."""
    categories = await CategoryRepository(session).list_all_active()
    branches = {category.id: CategoryBranch(category) for category in categories}
    roots: list[CategoryBranch] = []
    for category in categories:
        parent = branches.get(category.parent_id) if category.parent_id else None
        (parent.children if parent is not None else roots).append(branches[category.id])
    return roots


async def get_category(*, session: AsyncSession, ref: str) -> CategoryInTree:
    """An active category by id or slug, with its path from the top and its subcategories."""
    repository = CategoryRepository(session)
    category = await repository.get_active(parse_ref(ref))
    if category is None:
        raise CategoryNotFound(f"There is no category '{ref}'.")
    return CategoryInTree(
        category,
        ancestors=await repository.list_ancestors(category.id),
        children=await repository.list_active_children(category.id),
    )


async def create_category(*, session: AsyncSession, data: CategoryCreate) -> Category:
    repository = CategoryRepository(session)
    await repository.lock_tree()
    if data.parent_id is not None:
        parent = await repository.get(data.parent_id)
        if parent is None or not parent.is_active:
            raise ParentCategoryUnavailable(
                f"The parent category {data.parent_id} is unknown or inactive.",
                parent_id=str(data.parent_id),
            )
    slug = data.slug or await _free_slug(repository, data.name)
    category = Category(
        name=data.name,
        slug=slug,
        description=data.description,
        parent_id=data.parent_id,
        is_active=True,
    )
    return await repository.add(category)


async def update_category(
    *, session: AsyncSession, category_id: uuid.UUID, data: CategoryUpdate
) -> Category:
    repository = CategoryRepository(session)
    await repository.lock_tree()
    category = await repository.get(category_id, lock=True)
    if category is None:
        raise CategoryNotFound(f"There is no category {category_id}.")
    changes = data.model_dump(exclude_unset=True)

    if "parent_id" in changes and changes["parent_id"] != category.parent_id:
        await _check_new_parent(repository, category=category, parent_id=changes["parent_id"])
    becomes_active = changes.get("is_active") is True and not category.is_active
    if becomes_active:
        parent_id = changes.get("parent_id", category.parent_id)
        if parent_id is not None:
            parent = await repository.get(parent_id)
            if parent is None or not parent.is_active:
                raise ParentCategoryUnavailable(
                    "A category under an inactive parent cannot be active; activate the"
                    " parent first.",
                    parent_id=str(parent_id),
                )
    if changes.get("is_active") is False and category.is_active:
        await _check_can_deactivate(repository, category)

    for field, value in changes.items():
        setattr(category, field, value)
    await repository.flush()
    return category


async def deactivate_category(*, session: AsyncSession, category_id: uuid.UUID) -> None:
    """Hide a category. Refused while it holds active products or active subcategories."""
    repository = CategoryRepository(session)
    await repository.lock_tree()
    category = await repository.get(category_id, lock=True)
    if category is None:
        raise CategoryNotFound(f"There is no category {category_id}.")
    if not category.is_active:
        return
    await _check_can_deactivate(repository, category)
    category.is_active = False
    await repository.flush()


async def _check_new_parent(
    repository: CategoryRepository, *, category: Category, parent_id: uuid.UUID | None
) -> None:
    if parent_id is None:
        return
    if await repository.is_in_subtree(parent_id, root_id=category.id):
        raise CategoryCycle(
            "A category cannot move under itself or one of its own subcategories.",
            parent_id=str(parent_id),
        )
    parent = await repository.get(parent_id)
    if parent is None or (category.is_active and not parent.is_active):
        raise ParentCategoryUnavailable(
            f"The parent category {parent_id} is unknown or inactive.",
            parent_id=str(parent_id),
        )


async def _check_can_deactivate(repository: CategoryRepository, category: Category) -> None:
    # The row lock taken by the caller waits for product writes that checked this category
    # (they hold it FOR SHARE), so these checks see every product committed before.
    if await repository.has_active_products(category.id):
        raise CategoryNotEmpty(
            f"Category '{category.slug}' still has active products; move or deactivate them first.",
            reason="active-products",
        )
    if await repository.has_active_children(category.id):
        raise CategoryNotEmpty(
            f"Category '{category.slug}' still has active subcategories; move or deactivate"
            " them first.",
            reason="active-subcategories",
        )


async def _free_slug(repository: CategoryRepository, name: str) -> str:
    base = slug_from_name(name, max_length=SLUG_MAX_LENGTH, fallback="category")
    taken = await repository.taken_slugs(base) | RESERVED_CATEGORY_SLUGS
    return next_free_slug(base, taken, max_length=SLUG_MAX_LENGTH)
