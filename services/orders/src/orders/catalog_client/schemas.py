"""Orders' own models of catalog's internal reservation payloads (docs/contracts).

Orders shares no code with catalog: these mirror the contract, and only the fields orders
uses. Unknown fields are ignored, so catalog may add some without breaking orders.
"""

import enum
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from service_kit.text import StoredText
from service_kit.timestamps import Instant


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
    # Stored in the order as they come: text Postgres cannot hold is outside the contract.
    sku: Annotated[StoredText, Field(min_length=1, max_length=64)]
    name: Annotated[StoredText, Field(min_length=1, max_length=200)]
    unit_price: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    quantity: int = Field(ge=1)


class ReservationState(_CatalogPayload):
    """What a commit or a release tells orders: where the reservation stands now.

    Nothing more is read from those answers, so no other field of them can make a settled
    reservation look unsettled.
    """

    key: str
    status: ReservationStatus


class Reservation(ReservationState):
    """A reservation as reserving answers it: what was held, at what price, until when."""

    expires_at: Instant
    lines: list[ReservedLine]


class Shortage(_CatalogPayload):
    product_id: uuid.UUID
    requested: int
    available: int
