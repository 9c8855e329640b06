import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from service_kit.numbers import JsonInteger
from service_kit.text import StoredText

MAX_STOCK_CHANGE = 1_000_000

Reason = Annotated[
    StoredText, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
]


class StockLevels(BaseModel):
    """Where a product's units are: initial + restocks + adjustments = the sum of all three."""

    model_config = ConfigDict(from_attributes=True)

    product_id: uuid.UUID
    available: int = Field(description="Can be reserved now")
    held: int = Field(description="Held by reservations that are neither committed nor released")
    committed: int = Field(description="Sold: held by committed reservations")


class Restock(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: JsonInteger = Field(ge=1, le=MAX_STOCK_CHANGE, description="Units received")
    reason: Reason | None = None


class StockAdjustment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delta: JsonInteger = Field(
        ge=-MAX_STOCK_CHANGE,
        le=MAX_STOCK_CHANGE,
        description="Units found (positive) or lost (negative); never more than are available",
        json_schema_extra={"not": {"const": 0}},
    )
    reason: Reason = Field(description="Why, e.g. 'stocktake' or 'damaged in storage'")

    @field_validator("delta")
    @classmethod
    def _delta_is_not_zero(cls, delta: int) -> int:
        if delta == 0:
            raise ValueError("an adjustment of 0 units changes nothing")
        return delta
