"""Password hashing (Argon2id through pwdlib) and the password policy.

Hashing is CPU-bound work of a few hundred milliseconds by design, so it runs in worker
threads (argon2-cffi releases the GIL) and never on the event loop. A bulkhead bounds how
many hashes run at once (each one holds the configured memory cost while it runs) and how
many wait for a turn: past that, a request is refused at once (PasswordHashingBusy, a 503)
instead of waiting behind a flood for ever.

Callers never hash while they hold a database connection (see users.auth.service).
"""

import unicodedata
from collections.abc import Callable
from typing import TypeVar

import anyio
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from service_kit.bulkhead import Bulkhead
from users.accounts.errors import PasswordHashingBusy, WeakPassword
from users.settings import UsersSettings

_Result = TypeVar("_Result")

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
_MIN_DISTINCT_CHARACTERS = 4

# The most common passwords that pass the length rule; lower case, compared case-insensitively.
# A short list on purpose: it stops the guesses every attacker tries first.
# fmt: off
_COMMON_PASSWORDS = frozenset((
    "password", "password1", "password12", "password123", "passw0rd", "p@ssw0rd", "p@ssword",
    "12345678", "123456789", "1234567890", "12345678910", "0123456789", "87654321", "987654321",
    "9876543210", "11111111", "00000000", "12341234", "12121212", "11223344", "123123123",
    "123321123", "112233445", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e4r5t6y", "1qaz2wsx", "1qazxsw2",
    "zaq12wsx", "zaq1zaq1", "qwertyui", "qwertyuiop", "qwerty12", "qwerty123", "qwerty1234",
    "qwer1234", "asdfghjk", "asdfghjkl", "asdf1234", "asdfasdf", "zxcvbnm1", "zxcvbnmm",
    "qazwsxedc", "abcd1234", "abc12345", "abcdefgh", "abcdefg1", "a1b2c3d4", "aa123456",
    "iloveyou", "iloveyou1", "sunshine", "sunshine1", "princess", "princess1", "football",
    "football1", "baseball", "basketball", "superman", "batman12", "starwars", "whatever",
    "welcome1", "welcome123", "letmein1", "letmeinnow", "trustno1", "changeme", "changeme1",
    "computer", "internet", "michelle", "jennifer", "jordan23", "liverpool", "chelsea1",
    "arsenal1", "master12", "dragon12", "monkey12", "shadow12", "charlie1", "mustang1",
    "samsung1", "iloveu123", "secret12", "secret123", "administrator", "admin123", "admin1234",
    "adminadmin", "rootroot", "test1234", "testtest", "guest123", "default1", "login123",
))
# fmt: on


def normalized(password: str) -> str:
    """NFKC, so a password typed on another keyboard or OS hashes the same (NIST 800-63B)."""
    return unicodedata.normalize("NFKC", password)


def password_policy_violations(password: str, *, username: str, email: str) -> list[str]:
    """What is wrong with a new password; empty when it is acceptable.

    Length, not composition rules, makes a password strong (NIST SP 800-63B): so a length
    range, a list of the passwords guessed first, and nothing built from the account's own
    username or email address.
    """
    candidate = normalized(password)
    folded = candidate.casefold()
    reasons: list[str] = []
    if not MIN_PASSWORD_LENGTH <= len(candidate) <= MAX_PASSWORD_LENGTH:
        reasons.append(f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long")
    if len(set(folded)) < _MIN_DISTINCT_CHARACTERS:
        reasons.append(f"must contain at least {_MIN_DISTINCT_CHARACTERS} different characters")
    if folded in _COMMON_PASSWORDS:
        reasons.append("is one of the most commonly used passwords")
    # Three-letter names would turn up inside too many good passwords; longer ones are rare.
    own_words = [username.casefold(), email.partition("@")[0].casefold()]
    if any(len(word) >= 4 and word in folded for word in own_words):
        reasons.append("must not contain the username or the email address")
    return reasons


def check_password_policy(password: str, *, username: str, email: str) -> None:
    """WeakPassword, listing the reasons, unless the policy accepts the new password."""
    reasons = password_policy_violations(password, username=username, email=email)
    if reasons:
        raise WeakPassword("The password does not meet the password policy.", reasons=reasons)


def _hashing_busy() -> PasswordHashingBusy:
    return PasswordHashingBusy(
        "The service is checking too many passwords right now; try again in a moment."
    )


class PasswordHasher:
    """Argon2id hashes, computed off the event loop, at most `concurrency` at a time and at
    most `queue_limit` more waiting for a turn."""

    def __init__(
        self,
        *,
        time_cost: int,
        memory_kib: int,
        parallelism: int,
        concurrency: int,
        queue_limit: int,
    ) -> None:
        self._hash = PasswordHash(
            (Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism),)
        )
        self._turns = Bulkhead(concurrency=concurrency, queue_limit=queue_limit, busy=_hashing_busy)
        # Verified against when a login names no account, so that answer takes as long as a
        # wrong password does (no account enumeration by timing).
        self._decoy_hash = self._hash.hash("decoy password that matches no account")

    @classmethod
    def from_settings(cls, settings: UsersSettings) -> "PasswordHasher":
        return cls(
            time_cost=settings.password_hash_time_cost,
            memory_kib=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
            concurrency=settings.password_hash_concurrency,
            queue_limit=settings.password_hash_queue_limit,
        )

    @property
    def pending(self) -> int:
        """Hashes running now or waiting for a turn."""
        return self._turns.pending

    async def _compute(self, function: Callable[..., _Result], *args: str) -> _Result:
        """Run `function` in a worker thread once a turn is free; refuse when the queue is
        full (PasswordHashingBusy) rather than wait behind it."""
        async with self._turns.turn():
            return await anyio.to_thread.run_sync(function, *args)

    async def hash(self, password: str) -> str:
        return await self._compute(self._hash.hash, normalized(password))

    async def verify_and_update(self, password: str, password_hash: str) -> tuple[bool, str | None]:
        """Whether it matches, and a new hash when the stored one has outdated parameters."""
        return await self._compute(
            self._hash.verify_and_update, normalized(password), password_hash
        )

    async def spend_verification_time(self, password: str) -> None:
        """As long as a real verification takes, with nothing to verify against."""
        await self._compute(self._hash.verify, normalized(password), self._decoy_hash)
