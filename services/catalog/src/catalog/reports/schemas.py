import uuid

from pydantic import BaseModel, Field

from service_kit.money import Money


class LowStockProduct(BaseModel):
    product_id: uuid.UUID
    name: str
    slug: str
    sku: str
    available: int
    held: int
    committed: int


class CategoryStats(BaseModel):
    """Active products in a category and all its subcategories."""

    category_id: uuid.UUID
    name: str
    slug: str
    product_count: int
    min_price: Money | None = Field(description="null when the category has no products")
    avg_price: Money | None = Field(description="Rounded to cents")
    max_price: Money | None
