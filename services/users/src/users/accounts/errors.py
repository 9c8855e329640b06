"""The problems of accounts and their passwords; each detail is given where it is raised."""

from typing import Any

from service_kit.problems import (
    Conflict,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    UnprocessableContent,
)


class EmailTaken(Conflict):
    code = "email-taken"
    title = "Email address already registered"


class UsernameTaken(Conflict):
    code = "username-taken"
    title = "Username already taken"


class AccountNotFound(NotFound):
    code = "account-not-found"
    title = "Account not found"


class AccountInactive(Unauthorized):
    """The token is valid, but its account has been deactivated (or no longer exists)."""

    code = "account-inactive"
    title = "Account inactive"

    def __init__(self, detail: str, **extensions: Any) -> None:
        # A 401 names its scheme (RFC 9110); this token is no longer good for anything.
        super().__init__(
            detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}, **extensions
        )


class WeakPassword(UnprocessableContent):
    """`reasons` lists what the password policy found wrong."""

    code = "weak-password"
    title = "The password is too weak"


# kit candidate: the problem every service_kit.bulkhead refuses with (a 503 with Retry-After).
class ServiceBusy(ServiceUnavailable):
    """A bulkhead's queue is full (service_kit.bulkhead): the client tries again shortly."""

    retry_after_seconds = 1

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(
            detail, headers={"Retry-After": str(self.retry_after_seconds)}, **extensions
        )


class PasswordHashingBusy(ServiceBusy):
    """Every hashing slot is taken and the queue for them is full. Refused at once rather
    than queued without end, so that a flood of slow logins delays an honest one by a
    bounded time (PASSWORD_HASH_QUEUE_LIMIT hashes at most)."""

    code = "password-hashing-busy"
    title = "Too many password checks at once"
