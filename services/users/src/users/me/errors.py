"""The problems of a caller's own account; each detail is given where it is raised."""

from service_kit.problems import Conflict, Forbidden


class WrongCurrentPassword(Forbidden):
    code = "wrong-current-password"
    title = "Wrong current password"


class CredentialsChanged(Conflict):
    """The account was deactivated or its password changed by another request while this
    password change (or erasure) was being checked; trying again gives the current answer."""

    code = "credentials-changed"
    title = "The account's credentials changed meanwhile"


class AdminAccountErasure(Conflict):
    """An admin's own erasure: the shop must not lose its admins by a slip. Another admin
    removes the admin role first."""

    code = "admin-account-erasure"
    title = "An admin account cannot erase itself"
