"""The first admin: `python -m users.cli create-admin`, password from ADMIN_PASSWORD."""

import asyncio
import os
import re
import subprocess
import sys

import httpx

from users.accounts.passwords import password_policy_violations
from users.settings import UsersSettings
from users_testing import API, CHEAP_HASHING, SERVICE_DIR, STRONG_PASSWORD
from users_testing.accounts import NewAccount, log_in

REPOSITORY = SERVICE_DIR.parents[1]


async def _create_admin(
    settings: UsersSettings, *arguments: str, password: str | None = STRONG_PASSWORD
) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": settings.database_url,
        "ERASED_NAMES_KEY": settings.erased_names_key.get_secret_value(),
        **{name.upper(): str(value) for name, value in CHEAP_HASHING.items()},
    }
    if password is not None:
        environment["ADMIN_PASSWORD"] = password
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "users.cli", "create-admin", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_create_admin_makes_an_admin_who_can_log_in(
    client: httpx.AsyncClient, settings: UsersSettings
) -> None:
    result = await _create_admin(
        settings, "--email", "Root@Example.com", "--username", "root_admin"
    )

    assert result.returncode == 0, result.stderr
    assert "root_admin" in result.stdout
    tokens = (await log_in(client, "root@example.com", STRONG_PASSWORD)).json()
    listing = await client.get(
        f"{API}/admin/users", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert listing.status_code == 200
    assert listing.json()["items"][0]["role"] == "admin"


async def test_create_admin_needs_the_password_variable(
    client: httpx.AsyncClient, settings: UsersSettings
) -> None:
    result = await _create_admin(
        settings, "--email", "root@example.com", "--username", "root_admin", password=None
    )

    assert result.returncode == 2
    assert "ADMIN_PASSWORD" in result.stderr


async def test_create_admin_refuses_a_weak_password(
    client: httpx.AsyncClient, settings: UsersSettings
) -> None:
    result = await _create_admin(
        settings, "--email", "root@example.com", "--username", "root_admin", password="admin123"
    )

    assert result.returncode == 1
    assert "ADMIN_PASSWORD does not meet the password policy" in result.stderr
    assert "most commonly used" in result.stderr
    assert "nothing was created" in result.stderr
    assert "admin123" not in result.stderr + result.stdout


async def test_create_admin_says_the_password_may_not_contain_the_username(
    client: httpx.AsyncClient, settings: UsersSettings
) -> None:
    # The README's example once did exactly this, and a newcomer's first `make admin` failed.
    result = await _create_admin(
        settings,
        "--email",
        "admin@example.com",
        "--username",
        "admin",
        password="a long admin secret",
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: ADMIN_PASSWORD does not meet the password policy: it must not contain the"
        " username or the email address. Choose another (a passphrase of a few words works),"
        " nothing was created."
    )


def _documented_admin_examples() -> list[tuple[str, str, str]]:
    """(email, username, password) of every admin made in the README and docs/auth.md."""
    readme = (REPOSITORY / "README.md").read_text()
    auth = (REPOSITORY / "docs" / "auth.md").read_text()
    examples = [
        (match[1], match[2], match[3])
        for match in re.finditer(
            r"ADMIN_EMAIL=(\S+) ADMIN_USERNAME=(\S+) ADMIN_PASSWORD='([^']+)' make admin",
            readme + auth,
        )
    ]
    examples += [
        (email, username, password)
        for password, email, username in re.findall(
            r"ADMIN_PASSWORD='([^']+)' docker compose .*\n.*--email (\S+) --username (\S+)", auth
        )
    ]
    return examples


def test_every_documented_admin_example_meets_the_password_policy() -> None:
    examples = _documented_admin_examples()

    assert len(examples) >= 4, examples  # README's make admin; auth.md's make, exec and run
    for email, username, password in examples:
        assert password_policy_violations(password, username=username, email=email) == []


def test_the_readme_logs_the_admin_in_with_the_password_it_was_made_with() -> None:
    readme = (REPOSITORY / "README.md").read_text()
    made_with = re.search(r"ADMIN_USERNAME=(\S+) ADMIN_PASSWORD='([^']+)' make admin", readme)
    logged_in_with = re.search(
        r"-d 'username=(\w+)&password=([^']+)' \| jq -r \.access_token\)\n"
        r"curl -s -X POST \$GW/api/orders",
        readme,
    )

    assert made_with is not None
    assert logged_in_with is not None
    assert logged_in_with.groups() == made_with.groups()


async def test_create_admin_refuses_a_taken_email(
    client: httpx.AsyncClient, settings: UsersSettings, new_account: NewAccount
) -> None:
    customer = await new_account()

    result = await _create_admin(settings, "--email", customer.email, "--username", "root_admin")

    assert result.returncode == 1
    assert "email address already exists" in result.stderr


async def test_create_admin_refuses_an_invalid_username(
    client: httpx.AsyncClient, settings: UsersSettings
) -> None:
    result = await _create_admin(settings, "--email", "root@example.com", "--username", "no way")

    assert result.returncode == 2
    assert "pattern" in result.stderr
