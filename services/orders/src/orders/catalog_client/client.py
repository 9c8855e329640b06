"""Orders' client of catalog: its health, and the internal reservation API.

Every reservation call is idempotent on the reservation key (docs/contracts/
catalog-internal-api.md), so every one of them is retried on the failures that may be
transient - timeouts, connection errors, 5xx answers - with exponential backoff and jitter
(stamina), and the whole call, retries included, has a hard deadline. What is left after that
is `CatalogUnreachable`: the caller cannot know whether catalog acted. Every failure to get a
usable answer ends there - any httpx error, not only the transient ones - so a caller has one
exception to turn into its 503.
"""

import asyncio
import logging
import uuid
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import httpx
from opentelemetry.trace import TracerProvider
from pydantic import BaseModel, ConfigDict, ValidationError

from orders.catalog_client.errors import (
    CatalogUnreachable,
    HoldExpired,
    NoSuchReservation,
    ProductsNotForSale,
    ReservationSettled,
    StockShort,
)
from orders.catalog_client.schemas import RequestedLine, Reservation, ReservationState, Shortage
from orders.settings import OrdersSettings
from service_kit.http_client import (
    RetryPolicy,
    TransientAnswer,
    create_service_client,
    retrying_caller,
)

CATALOG_HEALTH_PATH = "/api/catalog/healthz"
RESERVATIONS_PATH = "/internal/reservations"

logger = logging.getLogger(__name__)

Answer = TypeVar("Answer", bound=ReservationState)


class _Problem(BaseModel):
    """The parts of catalog's problem details orders reads."""

    model_config = ConfigDict(extra="ignore")

    code: str = ""
    shortages: list[Shortage] = []
    product_ids: list[uuid.UUID] = []


def _problem(response: httpx.Response) -> _Problem:
    try:
        return _Problem.model_validate_json(response.content)
    except ValidationError:
        return _Problem()


class CatalogClient:
    def __init__(self, http: httpx.AsyncClient, *, service_key: str, retry: RetryPolicy) -> None:
        self._http = http
        self._credential = {"Authorization": f"Bearer {service_key}"}
        self._deadline_seconds = retry.deadline_seconds
        self._retrying = retrying_caller(retry)

    async def is_available(self) -> bool:
        """True when catalog answers its liveness endpoint in time."""
        try:
            response = await self._http.get(CATALOG_HEALTH_PATH)
        except httpx.HTTPError:
            return False
        return response.status_code == httpx.codes.OK

    async def reserve(
        self, *, key: str, lines: Sequence[RequestedLine], ttl_seconds: int
    ) -> Reservation:
        """Hold stock for all `lines` or none; a repeat with the same key is a replay."""
        body = {
            "key": key,
            "lines": [line.model_dump(mode="json") for line in lines],
            "ttl_seconds": ttl_seconds,
        }
        response = await self._call("POST", RESERVATIONS_PATH, body)
        if response.status_code in (httpx.codes.OK, httpx.codes.CREATED):
            return self._answer(response, Reservation)
        problem = _problem(response)
        if response.status_code == httpx.codes.CONFLICT and problem.code == "insufficient-stock":
            raise StockShort(problem.shortages)
        if (
            response.status_code == httpx.codes.UNPROCESSABLE_ENTITY
            and problem.code == "product-unavailable"
        ):
            raise ProductsNotForSale(problem.product_ids)
        raise self._unexpected(response, problem)

    async def commit(self, *, key: str) -> ReservationState:
        """Turn the hold into a sale (idempotent)."""
        return await self._settle(key, "commit")

    async def release(self, *, key: str, within_seconds: float | None = None) -> ReservationState:
        """Give the stock back (idempotent); an expired hold answers with status `expired`.

        `within_seconds` shortens the call's deadline, for a caller that has spent part of
        its own already; with no time left, catalog is not asked at all.
        """
        return await self._settle(key, "release", within_seconds=within_seconds)

    @property
    def deadline_seconds(self) -> float:
        """How long one call may take, retries included."""
        return self._deadline_seconds

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        within_seconds: float | None = None,
    ) -> httpx.Response:
        """The first answer that is not transient, within the deadline, retries included."""
        deadline = self._deadline_seconds
        if within_seconds is not None:
            deadline = min(deadline, within_seconds)
        if deadline <= 0:
            raise CatalogUnreachable(f"no time left to call {method} {path}")
        try:
            async with asyncio.timeout(deadline):
                return await self._retrying(self._send, method, path, body)
        # Transport errors are retried; the rest of httpx's (an undecodable body, say) is as
        # unusable an answer and ends here too, never as a 500.
        except (TimeoutError, httpx.HTTPError, TransientAnswer) as error:
            logger.warning(
                "catalog call failed",
                extra={"method": method, "catalog_path": path, "error": repr(error)},
            )
            raise CatalogUnreachable(f"catalog did not answer {method} {path} usably") from error

    async def _send(self, method: str, path: str, body: dict[str, Any] | None) -> httpx.Response:
        response = await self._http.request(method, path, json=body, headers=self._credential)
        if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
            raise TransientAnswer(response)
        return response

    @staticmethod
    def _answer(response: httpx.Response, model: type[Answer]) -> Answer:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as error:
            logger.error("catalog sent a reservation orders cannot read", exc_info=True)
            raise CatalogUnreachable("catalog's answer does not match the contract") from error

    async def _settle(
        self,
        key: str,
        action: Literal["commit", "release"],
        *,
        within_seconds: float | None = None,
    ) -> ReservationState:
        """Commit or release: one answer shape, one set of reservation-state refusals."""
        response = await self._call(
            "POST", f"{RESERVATIONS_PATH}/{key}/{action}", within_seconds=within_seconds
        )
        if response.status_code == httpx.codes.OK:
            return self._answer(response, ReservationState)
        problem = _problem(response)
        if response.status_code == httpx.codes.NOT_FOUND and problem.code == (
            "reservation-not-found"
        ):
            raise NoSuchReservation(problem.code)
        if response.status_code == httpx.codes.CONFLICT:
            if problem.code == "reservation-expired":
                raise HoldExpired(problem.code)
            if problem.code == "illegal-reservation-transition":
                raise ReservationSettled(problem.code)
        raise self._unexpected(response, problem)

    @staticmethod
    def _unexpected(response: httpx.Response, problem: _Problem) -> CatalogUnreachable:
        # A 401 (wrong service key), a 422 for a request orders validated, a 404 that is not
        # a reservation's: a defect or a misconfiguration, never the client's fault.
        logger.error(
            "catalog answered outside the contract",
            extra={"catalog_status": response.status_code, "catalog_code": problem.code},
        )
        return CatalogUnreachable(f"catalog answered {response.status_code} {problem.code}")


def create_catalog_client(
    settings: OrdersSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    tracer_provider: TracerProvider | None = None,
) -> CatalogClient:
    return CatalogClient(
        create_service_client(
            settings.catalog_base_url,
            connect_timeout_seconds=settings.catalog_connect_timeout_seconds,
            read_timeout_seconds=settings.catalog_read_timeout_seconds,
            transport=transport,
            tracer_provider=tracer_provider,
        ),
        service_key=settings.catalog_service_key.get_secret_value(),
        retry=RetryPolicy(
            attempts=settings.catalog_retry_attempts,
            wait_initial_seconds=settings.catalog_retry_wait_initial_seconds,
            wait_max_seconds=settings.catalog_retry_wait_max_seconds,
            deadline_seconds=settings.catalog_call_deadline_seconds,
        ),
    )
