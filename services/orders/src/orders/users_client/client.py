"""Orders' client of users' internal API: customers' contacts (username, email) by id.

Contacts are cached briefly in the process (`USERS_CONTACTS_CACHE_TTL_SECONDS`, 60 s by
default, at most `USERS_CONTACTS_CACHE_SIZE` customers), ids without an account too, so a burst
of notifications or a report asks users once. The lookup is a read, so failures that may be
transient (timeouts, connection errors, 5xx) are retried with backoff and jitter (stamina)
within a hard deadline per call; whatever is left, and every other failure to get a usable
answer, is `UsersUnreachable`, the one exception a caller handles.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import httpx
from cachetools import TTLCache
from opentelemetry.trace import TracerProvider
from pydantic import ValidationError

from orders.settings import OrdersSettings
from orders.users_client.errors import UsersUnreachable
from orders.users_client.schemas import ContactsAnswer, CustomerContact
from service_kit.http_client import (
    RetryPolicy,
    TransientAnswer,
    create_service_client,
    retrying_caller,
)

CONTACTS_PATH = "/api/users/internal/users"
# Users answers at most this many ids at once (the contract); more are asked in batches.
MAX_IDS_PER_LOOKUP = 100

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachePolicy:
    ttl_seconds: float
    max_size: int


class UsersClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        service_key: str,
        retry: RetryPolicy,
        cache: CachePolicy,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._credential = {"Authorization": f"Bearer {service_key}"}
        self._deadline_seconds = retry.deadline_seconds
        self._retrying = retrying_caller(retry)
        # None: users has no account with that id (never had, or erased).
        self._cache: TTLCache[uuid.UUID, CustomerContact | None] = TTLCache(
            maxsize=cache.max_size, ttl=cache.ttl_seconds, timer=clock
        )

    async def contacts(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, CustomerContact]:
        """The contacts of the customers among `ids` who have an account; the others are left
        out. UsersUnreachable when users cannot answer for the ids that are not cached."""
        found: dict[uuid.UUID, CustomerContact] = {}
        unknown: list[uuid.UUID] = []
        for customer_id in set(ids):
            if customer_id not in self._cache:
                unknown.append(customer_id)
            elif (contact := self._cache[customer_id]) is not None:
                found[customer_id] = contact
        for start in range(0, len(unknown), MAX_IDS_PER_LOOKUP):
            batch = unknown[start : start + MAX_IDS_PER_LOOKUP]
            answered = await self._look_up(batch)
            for customer_id in batch:
                contact = answered.get(customer_id)
                self._cache[customer_id] = contact
                if contact is not None:
                    found[customer_id] = contact
        return found

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _look_up(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, CustomerContact]:
        params = httpx.QueryParams([("id", str(customer_id)) for customer_id in ids])
        try:
            async with asyncio.timeout(self._deadline_seconds):
                response = await self._retrying(self._send, params)
        except (TimeoutError, httpx.HTTPError, TransientAnswer) as error:
            logger.warning("users call failed", extra={"error": repr(error)})
            raise UsersUnreachable("users did not answer the contacts lookup usably") from error
        if response.status_code != httpx.codes.OK:
            # A 401 (wrong service key) or a 422 for ids orders validated: a misconfiguration
            # or a defect, never the customer's fault.
            logger.error(
                "users answered outside the contract",
                extra={"users_status": response.status_code},
            )
            raise UsersUnreachable(f"users answered {response.status_code}")
        try:
            answer = ContactsAnswer.model_validate_json(response.content)
        except ValidationError as error:
            logger.error("users sent contacts orders cannot read", exc_info=True)
            raise UsersUnreachable("users' answer does not match the contract") from error
        asked = set(ids)
        return {contact.id: contact for contact in answer.items if contact.id in asked}

    async def _send(self, params: httpx.QueryParams) -> httpx.Response:
        response = await self._http.get(CONTACTS_PATH, params=params, headers=self._credential)
        if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
            raise TransientAnswer(response)
        return response


def create_users_client(
    settings: OrdersSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.monotonic,
    tracer_provider: TracerProvider | None = None,
) -> UsersClient:
    return UsersClient(
        create_service_client(
            settings.users_url,
            connect_timeout_seconds=settings.users_connect_timeout_seconds,
            read_timeout_seconds=settings.users_read_timeout_seconds,
            transport=transport,
            tracer_provider=tracer_provider,
        ),
        service_key=settings.users_service_key.get_secret_value(),
        retry=RetryPolicy(
            attempts=settings.users_retry_attempts,
            wait_initial_seconds=settings.users_retry_wait_initial_seconds,
            wait_max_seconds=settings.users_retry_wait_max_seconds,
            deadline_seconds=settings.users_call_deadline_seconds,
        ),
        cache=CachePolicy(
            ttl_seconds=settings.users_contacts_cache_ttl_seconds,
            max_size=settings.users_contacts_cache_size,
        ),
        clock=clock,
    )
