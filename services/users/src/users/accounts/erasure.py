"""Erasing an account: what is deleted, what is kept, and how its names are held back.

The account's `users` row is deleted: email, username, full name, bio and password hash are
gone, and every login with it (refresh-token families and tokens, ON DELETE CASCADE). What
stays is an `ErasedAccount` (id, role, sign-up and erasure time): orders keep the customer's
id on their orders, and the statistics keep counting the sign-up.

The username and email are refused to new accounts for ERASED_NAMES_RETENTION_SECONDS (30
days), so nobody can take over a name its former owner's contacts still trust, and then
freed (users.accounts.jobs). Meanwhile only a keyed digest of each is kept: an unkeyed hash
of an email address is found again by hashing a list of addresses, an HMAC under a server
secret is not.
"""

import hashlib
import hmac
from datetime import datetime, timedelta

from users.accounts.models import NameKind
from users.settings import UsersSettings


class ErasedNames:
    """Digests of erased names under this deployment's key, and how long they are held."""

    def __init__(self, *, key: bytes, retention: timedelta) -> None:
        self._key = key
        self.retention = retention

    @classmethod
    def from_settings(cls, settings: UsersSettings) -> "ErasedNames":
        return cls(
            key=settings.erased_names_key.get_secret_value().encode("utf-8"),
            retention=timedelta(seconds=settings.erased_names_retention_seconds),
        )

    def digest(self, kind: NameKind, name: str) -> bytes:
        """HMAC-SHA256 of the name as uniqueness compares it (emails are stored lower-cased,
        usernames are unique regardless of case), in the kind's own domain."""
        normalized = name.strip().lower()
        return hmac.digest(self._key, f"{kind}:{normalized}".encode(), hashlib.sha256)

    def held_until(self, erased_at: datetime) -> datetime:
        return erased_at + self.retention
