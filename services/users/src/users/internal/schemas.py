import uuid

from pydantic import BaseModel, ConfigDict, Field

# One lookup names at most this many accounts (orders asks for a page of customers at once).
MAX_IDS_PER_LOOKUP = 100


class AccountContact(BaseModel):
    """How another service reaches an account's owner: only what it needs, nothing else."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    email: str
    is_active: bool


class AccountContacts(BaseModel):
    items: list[AccountContact] = Field(
        description="The accounts asked for that exist, in no particular order; an id with no"
        " account (never one, or erased) is simply absent"
    )
