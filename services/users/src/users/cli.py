"""Operator commands, run where the service runs (same settings, same database).

    ADMIN_PASSWORD=... python -m users.cli create-admin --email a@b.c --username alice

The first admin is created this way rather than by a default password. The password comes
from the ADMIN_PASSWORD environment variable so it never appears in a process list or a
shell history, and the command works without a terminal (compose run, docker exec, CI).
"""

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from pydantic import TypeAdapter, ValidationError

from service_kit.database import Database
from service_kit.problems import ProblemError
from service_kit.text import StoredText
from users.accounts.erasure import ErasedNames
from users.accounts.errors import WeakPassword
from users.accounts.models import Role
from users.accounts.passwords import PasswordHasher
from users.accounts.schemas import Email, FullName, Username
from users.auth import service as auth_service
from users.auth.schemas import Registration
from users.settings import UsersSettings

PASSWORD_VARIABLE = "ADMIN_PASSWORD"  # noqa: S105  (the name of a variable)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m users.cli", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create_admin = commands.add_parser(
        "create-admin",
        help=f"create an active admin account; the password is read from ${PASSWORD_VARIABLE}",
    )
    create_admin.add_argument("--email", required=True)
    create_admin.add_argument("--username", required=True)
    create_admin.add_argument("--full-name", default=None)
    return parser


async def _create_admin(
    settings: UsersSettings, *, email: str, username: str, password: str, full_name: str | None
) -> str:
    database = Database.from_settings(settings)
    try:
        # Constructed from the values main() validated, not validated again: the password's
        # length is the policy's to judge (register), which names ADMIN_PASSWORD in its answer.
        registration = Registration.model_construct(
            email=email, username=username, password=password, full_name=full_name
        )
        user = await auth_service.register(
            database=database,
            password_hasher=PasswordHasher.from_settings(settings),
            erased_names=ErasedNames.from_settings(settings),
            registration=registration,
            role=Role.ADMIN,
        )
        return str(user.id)
    finally:
        await database.dispose()


def _invalid(error: ValidationError, name: str) -> str:
    return "; ".join(f"{name}: {e['msg']}" for e in error.errors(include_input=False))


def _fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if not password:
        return _fail(f"set the admin's password in the environment variable {PASSWORD_VARIABLE}", 2)
    try:
        email = TypeAdapter(Email).validate_python(arguments.email)
        username = TypeAdapter(Username).validate_python(arguments.username)
        full_name = TypeAdapter(FullName | None).validate_python(arguments.full_name)
    except ValidationError as error:
        return _fail(_invalid(error, "the arguments"), 2)
    try:
        # Its length and strength are the policy's (below); here only what cannot be hashed
        # (the environment can carry bytes that are no UTF-8).
        TypeAdapter(StoredText).validate_python(password)
    except ValidationError as error:
        return _fail(_invalid(error, PASSWORD_VARIABLE))
    try:
        user_id = asyncio.run(
            _create_admin(
                UsersSettings(),
                email=email,
                username=username,
                password=password,
                full_name=full_name,
            )
        )
    except WeakPassword as error:
        reasons = "; ".join(error.extensions.get("reasons", ()))
        return _fail(
            f"{PASSWORD_VARIABLE} does not meet the password policy: it {reasons}."
            " Choose another (a passphrase of a few words works), nothing was created."
        )
    except ProblemError as error:
        return _fail(error.detail)
    print(f"created admin {username} <{email}> with id {user_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
