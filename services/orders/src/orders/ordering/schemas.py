import uuid
from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service_kit.money import Money

# Catalog's limits for one reservation (docs/contracts/catalog-internal-api.md).
MAX_LINES = 50
MAX_QUANTITY = 1000

# Visible ASCII, as HTTP header values are; long enough for a UUID or a client's own scheme.
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"


# The statuses anyone ever sees; `placing` is internal (see docs/orders.md).
VisibleStatus = Literal["pending", "confirmed", "shipped", "delivered", "cancelled"]


class OrderLineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class PlaceOrderRequest(BaseModel):
    """What to buy. Prices are never sent: catalog's price at reservation time applies."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"lines": [{"product_id": "6f1c0a52-3c57-4bd4-9a8e-0b9e1c2d3e4f", "quantity": 2}]}
            ]
        },
    )

    lines: list[OrderLineRequest] = Field(min_length=1, max_length=MAX_LINES)

    @model_validator(mode="after")
    def _merged_quantities_within_limit(self) -> Self:
        for line in self.merged_lines():
            if line.quantity > MAX_QUANTITY:
                raise ValueError(
                    f"product {line.product_id} is ordered {line.quantity} times in total;"
                    f" at most {MAX_QUANTITY} per order"
                )
        return self

    def merged_lines(self) -> list[OrderLineRequest]:
        """One line per product: repeated products are summed, in order of first mention."""
        quantities: dict[uuid.UUID, int] = {}
        for line in self.lines:
            quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
        return [
            OrderLineRequest.model_construct(product_id=product_id, quantity=quantity)
            for product_id, quantity in quantities.items()
        ]


class OrderLineDetails(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line_number: int
    product_id: uuid.UUID
    sku: str
    name: str
    unit_price: Money
    quantity: int
    line_total: Money


class StatusChange(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: VisibleStatus | None
    to_status: VisibleStatus
    changed_at: datetime
    actor_id: uuid.UUID
    actor_role: str


class OrderSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    status: VisibleStatus
    total: Money
    created_at: datetime
    updated_at: datetime


class OrderDetails(OrderSummary):
    lines: list[OrderLineDetails]
    history: list[StatusChange]


class OrderStatistics(BaseModel):
    order_count: int
    orders_by_status: dict[VisibleStatus, int]
    revenue: Money = Field(description="Sum of order totals, cancelled orders excluded")
    average_order_value: Money = Field(description="revenue / orders not cancelled")
