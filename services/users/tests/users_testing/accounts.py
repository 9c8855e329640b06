"""Accounts registered through the API, and logging in."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from testing_kit.tokens import bearer
from users_testing import API


@dataclass(frozen=True)
class RegisteredAccount:
    id: uuid.UUID
    email: str
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


# The `new_account` fixture: register an account (keyword `role`, `password`, fields).
NewAccount = Callable[..., Awaitable[RegisteredAccount]]


async def log_in(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    return await client.post(f"{API}/auth/login", data={"username": login, "password": password})
