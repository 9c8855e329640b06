"""The problems of logging in and refreshing; each detail is given where it is raised."""

from typing import Any

from service_kit.problems import Unauthorized
from users.accounts.errors import ServiceBusy


class BearerUnauthorized(Unauthorized):
    """A 401 names its scheme (RFC 9110)."""

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extensions)


class InvalidCredentials(BearerUnauthorized):
    """Unknown login, wrong password or deactivated account: one answer for all three."""

    code = "invalid-credentials"
    title = "Invalid credentials"


class InvalidRefreshToken(BearerUnauthorized):
    """Unknown, expired, used, revoked, or its account deactivated: the client logs in again."""

    code = "invalid-refresh-token"
    title = "Invalid refresh token"


class RefreshBusy(ServiceBusy):
    """Too many refreshes and logouts are waiting for the database (REFRESH_QUEUE_LIMIT)."""

    code = "refresh-busy"
    title = "Too many refreshes at once"
