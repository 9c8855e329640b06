from service_kit.problems import Forbidden, Unauthorized, UnprocessableContent

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


class WeakPassword(UnprocessableContent):
    code = "weak-password"
    title = "The password is too weak"

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("The password does not meet the password policy.", reasons=reasons)
