"""The problems of administering accounts; each detail is given where it is raised."""

from service_kit.problems import Conflict


class OwnAdminRole(Conflict):
    code = "own-admin-role"
    title = "Cannot remove your own admin role"


class OwnAccountDeactivation(Conflict):
    code = "own-account-deactivation"
    title = "Cannot deactivate your own account"


class AccountActive(Conflict):
    """Only a deactivated account is erased by an admin: deactivating first is the step that
    makes sure it is meant."""

    code = "account-active"
    title = "Deactivate the account before erasing it"
