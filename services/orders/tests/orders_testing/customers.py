"""Who the customers are, as users' internal API would name them: a directory in memory that
can go away on cue (users down is a failure mode a real users cannot be asked for)."""

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field

from orders.notifications.recipients import UsersUnreachable


@dataclass(frozen=True)
class Contact:
    username: str
    email: str


@dataclass
class CustomerDirectory:
    accounts: dict[uuid.UUID, Contact] = field(default_factory=dict)
    reachable: bool = True
    lookups: int = 0

    def add(self, customer_id: uuid.UUID) -> Contact:
        contact = Contact(
            username=f"c{customer_id.hex[:8]}", email=f"{customer_id.hex}@example.com"
        )
        self.accounts[customer_id] = contact
        return contact

    async def contacts(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Contact]:
        self.lookups += 1
        if not self.reachable:
            raise UsersUnreachable("users is down (the test says so)")
        return {i: self.accounts[i] for i in ids if i in self.accounts}
