from service_kit.problems import Conflict, NotFound, Unauthorized


class EmailTaken(Conflict):
    code = "email-taken"
    title = "Email address already registered"

    def __init__(self) -> None:
        super().__init__("An account with this email address already exists.", field="email")


class UsernameTaken(Conflict):
    code = "username-taken"
    title = "Username already taken"

    def __init__(self) -> None:
        super().__init__("An account with this username already exists.", field="username")


class AccountNotFound(NotFound):
    code = "account-not-found"
    title = "Account not found"

    def __init__(self) -> None:
        super().__init__("No account has this id.")


class AccountInactive(Unauthorized):
    """The token is valid, but its account has been deactivated (or no longer exists)."""

    code = "account-inactive"
    title = "Account inactive"

    def __init__(self) -> None:
        super().__init__(
            "The account of this access token is not active.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )


class OwnAdminRole(Conflict):
    code = "own-admin-role"
    title = "Cannot remove your own admin role"

    def __init__(self) -> None:
        super().__init__("An admin cannot remove their own admin role; another admin has to do it.")


class OwnAccountDeactivation(Conflict):
    code = "own-account-deactivation"
    title = "Cannot deactivate your own account"

    def __init__(self) -> None:
        super().__init__("An admin cannot deactivate their own account.")
