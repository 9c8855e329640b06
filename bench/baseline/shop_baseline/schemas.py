from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    sku: str
    price: Decimal  # serialised as a string: "12.50", never a float
    stock: int


class OrderLineIn(BaseModel):
    product_id: int
    quantity: Annotated[int, Field(gt=0, le=1000)]


class PlaceOrder(BaseModel):
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=50)]

    def quantities(self) -> dict[int, int]:
        """Quantity per product, the same product named twice counted once."""
        merged: dict[int, int] = {}
        for line in self.lines:
            merged[line.product_id] = merged.get(line.product_id, 0) + line.quantity
        return merged


class OrderLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_id: int
    quantity: int
    unit_price: Decimal


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: str
    status: str
    total: Decimal
    created_at: datetime
    lines: list[OrderLineOut]
