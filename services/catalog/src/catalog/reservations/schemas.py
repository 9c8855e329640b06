"""The payloads of the internal reservation API (docs/contracts/catalog-internal-api.md)."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from catalog.reservations.models import ReservationStatus
from service_kit.money import Money
from service_kit.numbers import JsonInteger

KEY_PATTERN = r"^[A-Za-z0-9._:-]+$"
MAX_LINES = 50
MAX_QUANTITY = 1000
MAX_TTL_SECONDS = 3600

ReservationKey = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=KEY_PATTERN)
]


class RequestedLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID
    quantity: JsonInteger = Field(ge=1, le=MAX_QUANTITY)


class ReservationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: ReservationKey = Field(
        description="Chosen by the caller; the same key never reserves twice"
    )
    lines: list[RequestedLine] = Field(min_length=1, max_length=MAX_LINES)
    ttl_seconds: JsonInteger | None = Field(
        default=None,
        ge=1,
        le=MAX_TTL_SECONDS,
        description="How long the stock stays held; default RESERVATION_DEFAULT_TTL_SECONDS",
    )


class ReservedLine(BaseModel):
    # Read from a stored line or from the statement's rows alike.
    model_config = ConfigDict(from_attributes=True)

    product_id: uuid.UUID
    sku: str
    name: str
    unit_price: Money
    quantity: int


class ReservationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    status: ReservationStatus
    expires_at: datetime
    lines: list[ReservedLine]
