import enum
import re
import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from catalog.categories.schemas import CategoryRef, Description
from catalog.money import Price, PriceBound
from catalog.slugs import check_slug
from service_kit.money import Money

SLUG_MAX_LENGTH = 220
MAX_INITIAL_STOCK = 1_000_000

ProductName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ProductSlug = Annotated[
    str, StringConstraints(min_length=1, max_length=SLUG_MAX_LENGTH), AfterValidator(check_slug)
]
_SKU = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")


def _normalised_sku(sku: str) -> str:
    """Upper-cased, then checked: "mug-001" is stored as "MUG-001"."""
    sku = sku.upper()
    if not _SKU.match(sku):
        raise ValueError("a SKU is letters and digits in groups joined by single hyphens")
    return sku


Sku = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_normalised_sku),
]


class ProductSort(enum.StrEnum):
    NEWEST = "newest"
    PRICE = "price"
    PRICE_DESC = "-price"
    NAME = "name"
    NAME_DESC = "-name"
    RELEVANCE = "relevance"


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ProductName
    slug: ProductSlug | None = Field(default=None, description="Made from the name if omitted")
    sku: Sku = Field(description="Letters, digits and hyphens; stored upper-cased")
    description: Description | None = None
    price: Price = Field(description='A decimal string with at most two places, e.g. "12.50"')
    category_id: uuid.UUID
    stock: int = Field(default=0, ge=0, le=MAX_INITIAL_STOCK, description="Initial units")
    is_active: bool = True


class ProductUpdate(BaseModel):
    """Only the fields sent change. Stock changes through restocks and adjustments only."""

    model_config = ConfigDict(extra="forbid")

    name: ProductName | None = None
    slug: ProductSlug | None = None
    sku: Sku | None = None
    description: Description | None = None
    price: Price | None = None
    category_id: uuid.UUID | None = None
    is_active: bool | None = None

    @model_validator(mode="after")
    def _required_fields_are_not_null(self) -> Self:
        for field in ("name", "slug", "sku", "price", "category_id", "is_active"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    slug: str
    sku: str
    description: str | None
    price: Money
    category: CategoryRef
    stock: int = Field(validation_alias="stock_available", description="Units available to buy now")
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ProductQuery(BaseModel):
    """Filters, order and page of the public product list (unknown parameters are ignored)."""

    category: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="A category id or slug; its subcategories are included",
    )
    min_price: PriceBound | None = None
    max_price: PriceBound | None = None
    in_stock: bool = Field(default=False, description="Only products with units available")
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description='Full-text search over name and description ("blue mug", "mug -blue")',
    )
    sort: ProductSort | None = Field(
        default=None, description="Default: relevance with a search, newest without"
    )
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=512)

    @property
    def effective_sort(self) -> ProductSort:
        if self.sort is not None:
            return self.sort
        return ProductSort.RELEVANCE if self.q else ProductSort.NEWEST
