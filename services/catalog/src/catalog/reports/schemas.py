import uuid

from pydantic import BaseModel, ConfigDict, Field

from service_kit.money import Money


class LowStockProduct(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_id: uuid.UUID
    name: str
    slug: str
    sku: str
    available: int
    held: int
    committed: int


class CategoryStats(BaseModel):
    """Active products in a category and all its subcategories."""

    model_config = ConfigDict(from_attributes=True)

    category_id: uuid.UUID
    name: str
    slug: str
    product_count: int
    min_price: Money | None = Field(description="null when the category has no products")
    avg_price: Money | None = Field(description="Rounded to cents")
    max_price: Money | None
