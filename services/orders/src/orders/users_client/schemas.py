"""Orders' own models of users' internal contacts payload (docs/contracts/users-internal-api.md).

Orders shares no code with users: these mirror the contract, and only the fields orders uses.
Unknown fields are ignored, so users may add some without breaking orders.
"""

import uuid

from pydantic import BaseModel, ConfigDict


class _UsersPayload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CustomerContact(_UsersPayload):
    """How to address a customer: what an email and a report need, nothing more."""

    id: uuid.UUID
    username: str
    email: str


class ContactsAnswer(_UsersPayload):
    items: list[CustomerContact]
