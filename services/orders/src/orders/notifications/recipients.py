"""Whom an email goes to: users names the customer's address when the email is sent.

Orders stores no address: the relay asks users' internal API for the batch's customers
(`orders.users_client`, cached briefly). This is what the relay needs of that client.
"""

import uuid
from collections.abc import Collection, Mapping
from typing import Protocol


class Contact(Protocol):
    @property
    def username(self) -> str: ...

    @property
    def email(self) -> str: ...


class Recipients(Protocol):
    async def contacts(self, ids: Collection[uuid.UUID]) -> Mapping[uuid.UUID, Contact]:
        """The contacts of the ids that have an account; the others are absent.
        Raises UsersUnreachable when users cannot answer."""
        ...


class UsersUnreachable(Exception):
    """Stand-in until orders.users_client lands."""
