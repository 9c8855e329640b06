import enum
import uuid
from collections.abc import Mapping
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

from catalog.categories.schemas import CategoryRef, Description
from catalog.money import Price, PriceBound
from catalog.slugs import check_slug, slug_pattern
from service_kit.money import Money
from service_kit.numbers import JsonInteger
from service_kit.pagination import MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from service_kit.text import StoredText

NAME_MAX_LENGTH = 200
SLUG_MAX_LENGTH = 220
MAX_INITIAL_STOCK = 1_000_000

ProductName = Annotated[
    StoredText, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH)
]
ProductSlug = Annotated[
    str,
    StringConstraints(min_length=1, max_length=SLUG_MAX_LENGTH),
    AfterValidator(check_slug),
    Field(json_schema_extra={"pattern": slug_pattern()}),
]
# ASCII letters and digits in groups joined by single hyphens, checked as sent (so the
# documents state the whole rule), then stored upper-cased: "mug-001" is "MUG-001".
SKU_PATTERN = r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$"
Sku = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=SKU_PATTERN),
    AfterValidator(str.upper),
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
    stock: JsonInteger = Field(default=0, ge=0, le=MAX_INITIAL_STOCK, description="Initial units")
    is_active: StrictBool = True


class ProductUpdate(BaseModel):
    """Only the fields sent change. Stock changes through restocks and adjustments only."""

    model_config = ConfigDict(extra="forbid")

    # Omitted is None; sent as null is refused below, so the documents do not offer null.
    name: ProductName | SkipJsonSchema[None] = None
    slug: ProductSlug | SkipJsonSchema[None] = None
    sku: Sku | SkipJsonSchema[None] = None
    description: Description | None = None
    price: Price | SkipJsonSchema[None] = None
    category_id: uuid.UUID | SkipJsonSchema[None] = None
    is_active: StrictBool | SkipJsonSchema[None] = None

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

    @model_validator(mode="before")
    @classmethod
    def _nest_the_category_of_a_public_row(cls, data: Any) -> Any:
        # Public reads select plain rows (products.repository.PUBLIC_PRODUCT_COLUMNS), with
        # the category's columns beside the product's; a Product row has its category.
        if isinstance(data, Mapping) and "category_name" in data:
            return {
                **data,
                "category": {
                    "id": data["category_id"],
                    "name": data["category_name"],
                    "slug": data["category_slug"],
                },
            }
        return data


class ProductQuery(BaseModel):
    """Filters, order and page of the public product list (unknown parameters are ignored)."""

    category: StoredText | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="A category id or slug; its subcategories are included",
    )
    min_price: PriceBound | None = None
    max_price: PriceBound | None = None
    in_stock: bool = Field(default=False, description="Only products with units available")
    q: StoredText | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description='Full-text search over name and description ("blue mug", "mug -blue")',
    )
    sort: ProductSort | None = Field(
        default=None, description="Default: relevance with a search, newest without"
    )
    limit: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(
        default=None,
        max_length=MAX_CURSOR_LENGTH,
        description="next_cursor of the previous page, unchanged; omit for the first",
    )

    @property
    def effective_sort(self) -> ProductSort:
        if self.sort is not None:
            return self.sort
        return ProductSort.RELEVANCE if self.q else ProductSort.NEWEST
