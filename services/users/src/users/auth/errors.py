"""The problems of logging in and refreshing; each detail is given where it is raised."""

from typing import ClassVar

from service_kit.problems import Unauthorized
from users.accounts.errors import ServiceBusy


class BearerUnauthorized(Unauthorized):
    """A 401 names its scheme (RFC 9110)."""

    default_headers: ClassVar = {"WWW-Authenticate": "Bearer"}


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
