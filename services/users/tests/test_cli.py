"""The first admin: `python -m users.cli create-admin`, password from ADMIN_PASSWORD."""

import asyncio
import os
import subprocess
import sys

import httpx
from conftest import API, CHEAP_HASHING, STRONG_PASSWORD, NewAccount, log_in

from users.settings import UsersSettings


async def _create_admin(
    settings: UsersSettings, *arguments: str, password: str | None = STRONG_PASSWORD
) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": settings.database_url,
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
    assert "most commonly used" in result.stderr
    assert "admin123" not in result.stderr + result.stdout


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
