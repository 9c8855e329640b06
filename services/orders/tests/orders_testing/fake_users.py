"""A small in-memory users that keeps docs/contracts/users-internal-api.md, plus faults.

Orders' service tests reach it at the HTTP boundary (an httpx transport), so users can time
out, refuse connections or answer 5xx on cue, and a test can count the calls that reached it.
test_users_contract.py checks the same client against the real users app.
"""

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Literal

import httpx

CONTACTS_PATH = "/api/users/internal/users"
MAX_IDS = 100

# hang: no answer ever, so only the client's deadline ends the call.
FaultKind = Literal["refuse", "timeout", "hang", "server-error", "garbage"]


@dataclass
class Account:
    id: uuid.UUID
    username: str
    email: str
    is_active: bool = True


@dataclass
class FakeUsers:
    service_key: str
    accounts: dict[uuid.UUID, Account] = field(default_factory=dict)
    # Break the next calls, one fault each (None when users is down until told otherwise).
    faults: list[FaultKind] = field(default_factory=list)
    down: FaultKind | None = None
    # The ids of every lookup that reached users, in order.
    lookups: list[list[uuid.UUID]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.transport = httpx.MockTransport(self._handle)

    def add_account(self, username: str | None = None, email: str | None = None) -> uuid.UUID:
        account_id = uuid.uuid4()
        username = username or f"customer_{account_id.hex[:8]}"
        self.accounts[account_id] = Account(
            id=account_id, username=username, email=email or f"{username}@example.com"
        )
        return account_id

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        fault = self.faults.pop(0) if self.faults else self.down
        if fault == "hang":
            await asyncio.Event().wait()
        if fault == "refuse":
            raise httpx.ConnectError("connection refused", request=request)
        if fault == "timeout":
            raise httpx.ReadTimeout("users did not answer in time", request=request)
        if fault == "server-error":
            return httpx.Response(503, json={"code": "service-unavailable"})
        if fault == "garbage":
            return httpx.Response(200, content=b"<html>not the contract</html>")
        if request.url.path != CONTACTS_PATH:
            return httpx.Response(404, json={"code": "not-found"})
        if request.headers.get("authorization") != f"Bearer {self.service_key}":
            return httpx.Response(401, json={"code": "invalid-service-credential"})
        try:
            ids = [uuid.UUID(value) for value in request.url.params.get_list("id")]
        except ValueError:
            ids = []
        if not 1 <= len(ids) <= MAX_IDS:
            return httpx.Response(422, json={"code": "validation-error"})
        self.lookups.append(ids)
        items = [
            {
                "id": str(account.id),
                "username": account.username,
                "email": account.email,
                "is_active": account.is_active,
            }
            for account in (self.accounts.get(each) for each in dict.fromkeys(ids))
            if account is not None
        ]
        return httpx.Response(200, content=json.dumps({"items": items}).encode())
