"""Customers registered and logged in through the gateway (the register_customer fixture)."""

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from testing_kit.tokens import bearer


@dataclass(frozen=True)
class Customer:
    id: str
    email: str
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


RegisterCustomer = Callable[[], Customer]


def log_in(client: httpx.Client, login: str, password: str) -> dict[str, str]:
    response = client.post("/api/users/auth/login", data={"username": login, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens
