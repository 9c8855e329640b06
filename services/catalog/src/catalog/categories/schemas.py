import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from catalog.categories.models import Category, CategoryBranch, CategoryInTree
from catalog.slugs import SLUG_PATTERN, check_slug, slug_pattern
from service_kit.text import StoredText

# Path segments under /categories that are routes of their own, not slugs.
RESERVED_CATEGORY_SLUGS = frozenset({"tree"})
NAME_MAX_LENGTH = 100
SLUG_MAX_LENGTH = 120

CategoryName = Annotated[
    StoredText, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH)
]
CategorySlug = Annotated[
    str,
    StringConstraints(min_length=1, max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN),
    AfterValidator(lambda slug: check_slug(slug, reserved=RESERVED_CATEGORY_SLUGS)),
    Field(json_schema_extra={"pattern": slug_pattern(reserved=RESERVED_CATEGORY_SLUGS)}),
]
Description = Annotated[StoredText, StringConstraints(strip_whitespace=True, max_length=5000)]


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CategoryName
    slug: CategorySlug | None = Field(default=None, description="Made from the name if omitted")
    description: Description | None = None
    parent_id: uuid.UUID | None = Field(default=None, description="Omit for a top-level category")


class CategoryUpdate(BaseModel):
    """Only the fields sent change; `parent_id: null` moves the category to the top level."""

    model_config = ConfigDict(extra="forbid")

    # Omitted is None; sent as null is refused below, so the documents do not offer null.
    name: CategoryName | SkipJsonSchema[None] = None
    slug: CategorySlug | SkipJsonSchema[None] = None
    description: Description | None = None
    parent_id: uuid.UUID | None = None
    is_active: StrictBool | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _required_fields_are_not_null(self) -> Self:
        for field in ("name", "slug", "is_active"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


class CategoryRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    slug: str


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    slug: str
    description: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


def _fields_of(category: Category, model: type[BaseModel], **more: Any) -> dict[str, Any]:
    """`model`'s fields read from the category row, and `more`: what the row alone does not
    carry (its neighbours in the tree)."""
    return {
        field: getattr(category, field) for field in model.model_fields if field not in more
    } | more


class CategoryDetail(CategoryOut):
    ancestors: list[CategoryRef] = Field(description="From the top level down to the parent")
    children: list[CategoryRef] = Field(description="Active subcategories, by name")

    @model_validator(mode="before")
    @classmethod
    def _from_category_in_tree(cls, data: Any) -> Any:
        if isinstance(data, CategoryInTree):
            return _fields_of(data.category, cls, ancestors=data.ancestors, children=data.children)
        return data


class CategoryNode(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    slug: str
    description: str | None
    children: list["CategoryNode"]

    @model_validator(mode="before")
    @classmethod
    def _from_branch(cls, data: Any) -> Any:
        if isinstance(data, CategoryBranch):
            return _fields_of(data.category, cls, children=data.children)
        return data
