"""The problems of accounts and their passwords; each detail is given where it is raised."""

from typing import ClassVar

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


class AccountErased(NotFound):
    """The account existed and was erased: only its id, role and dates are left."""

    code = "account-erased"
    title = "Account erased"


class AccountInactive(Unauthorized):
    """The token is valid, but its account has been deactivated (or no longer exists)."""

    code = "account-inactive"
    title = "Account inactive"

    # A 401 names its scheme (RFC 9110); this token is no longer good for anything.
    default_headers: ClassVar = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class WeakPassword(UnprocessableContent):
    """`reasons` lists what the password policy found wrong."""

    code = "weak-password"
    title = "The password is too weak"


class ServiceBusy(ServiceUnavailable):
    """A bulkhead's queue is full (service_kit.bulkhead): the client tries again shortly."""

    default_headers: ClassVar = {"Retry-After": "1"}


class PasswordHashingBusy(ServiceBusy):
    """Every hashing slot is taken and the queue for them is full. Refused at once rather
    than queued without end, so that a flood of slow logins delays an honest one by a
    bounded time (PASSWORD_HASH_QUEUE_LIMIT hashes at most)."""

    code = "password-hashing-busy"
    title = "Too many password checks at once"
