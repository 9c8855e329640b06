"""Orders' own models of catalog's internal reservation payloads (docs/contracts).

Orders shares no code with catalog: these mirror the contract, and only the fields orders
uses. Unknown fields are ignored, so catalog may add some without breaking orders.
"""

import enum
import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class ReservationStatus(enum.StrEnum):
    HELD = "held"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"


class _CatalogPayload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RequestedLine(_CatalogPayload):
    product_id: uuid.UUID
    quantity: int = Field(ge=1)


class ReservedLine(_CatalogPayload):
    """A product as catalog reserved it: the price is the one at the moment of reservation."""

    product_id: uuid.UUID
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    unit_price: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    quantity: int = Field(ge=1)


class Reservation(_CatalogPayload):
    key: str
    status: ReservationStatus
    expires_at: datetime
    lines: list[ReservedLine]


class Shortage(_CatalogPayload):
    product_id: uuid.UUID
    requested: int
    available: int
