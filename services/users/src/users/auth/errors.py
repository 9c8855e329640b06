from service_kit.problems import (
    Conflict,
    Forbidden,
    ServiceUnavailable,
    Unauthorized,
    UnprocessableContent,
)

_BEARER = {"WWW-Authenticate": "Bearer"}


class InvalidCredentials(Unauthorized):
    """Unknown login, wrong password or deactivated account: one answer for all three."""

    code = "invalid-credentials"
    title = "Invalid credentials"

    def __init__(self) -> None:
        super().__init__("The username or email and password do not match an active account.")
        self.headers = dict(_BEARER)


class InvalidRefreshToken(Unauthorized):
    """Unknown, expired, used, revoked, or its account deactivated: the client logs in again."""

    code = "invalid-refresh-token"
    title = "Invalid refresh token"

    def __init__(self) -> None:
        super().__init__("The refresh token is not valid; log in again.")
        self.headers = dict(_BEARER)


class WrongCurrentPassword(Forbidden):
    code = "wrong-current-password"
    title = "Wrong current password"

    def __init__(self) -> None:
        super().__init__("The current password is not correct.")


class CredentialsChanged(Conflict):
    """The account was deactivated or its password changed by another request while this
    password change was being checked; trying again gives the current answer."""

    code = "credentials-changed"
    title = "The account's credentials changed meanwhile"

    def __init__(self) -> None:
        super().__init__(
            "The account was deactivated or its password changed while this request ran;"
            " nothing was changed."
        )


class WeakPassword(UnprocessableContent):
    code = "weak-password"
    title = "The password is too weak"

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("The password does not meet the password policy.", reasons=reasons)


class ServiceBusy(ServiceUnavailable):
    """A bulkhead's queue is full (service_kit.bulkhead): the client tries again shortly."""

    retry_after_seconds = 1

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": str(self.retry_after_seconds)})


class PasswordHashingBusy(ServiceBusy):
    """Every hashing slot is taken and the queue for them is full. Refused at once rather
    than queued without end, so that a flood of slow logins delays an honest one by a
    bounded time (PASSWORD_HASH_QUEUE_LIMIT hashes at most)."""

    code = "password-hashing-busy"
    title = "Too many password checks at once"

    def __init__(self) -> None:
        super().__init__(
            "The service is checking too many passwords right now; try again in a moment."
        )


class RefreshBusy(ServiceBusy):
    """Too many refreshes and logouts are waiting for the database (REFRESH_QUEUE_LIMIT)."""

    code = "refresh-busy"
    title = "Too many refreshes at once"

    def __init__(self) -> None:
        super().__init__(
            "The service is handling too many refreshes right now; try again in a moment."
        )
