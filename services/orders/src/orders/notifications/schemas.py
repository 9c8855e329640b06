import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

DeliveryStateName = Literal["pending", "sent", "parked", "dropped"]


class NotificationDetails(BaseModel):
    """An order email as the outbox holds it (no address: users names it at send time)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    order_id: uuid.UUID
    customer_id: uuid.UUID
    event: Literal["placed", "confirmed", "shipped", "delivered", "cancelled"]
    state: DeliveryStateName
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
