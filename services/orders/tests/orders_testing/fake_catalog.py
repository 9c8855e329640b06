"""A small in-memory catalog that keeps docs/contracts/catalog-internal-api.md, plus faults.

Orders' service tests run against it at the HTTP boundary (an httpx transport), so they can
make catalog time out, refuse connections, answer 5xx or lose an answer after acting - the
failure modes a real catalog cannot be asked to produce on cue. The contract test
(test_catalog_contract.py) checks the same client against the real catalog app.
"""

import asyncio
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")

FaultKind = Literal[
    "refuse",
    "disconnect",
    "timeout",
    "server-error",
    "garbage",
    "undecodable",
    "lose-answer",
    "hang",
    "wait",
]


@dataclass
class Product:
    id: uuid.UUID
    sku: str
    name: str
    price: Decimal
    available: int
    active: bool = True
    held: int = 0
    committed: int = 0


@dataclass
class Reservation:
    key: str
    quantities: dict[uuid.UUID, int]
    lines: list[dict[str, Any]]
    status: str
    expires_at: datetime

    def body(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "status": self.status,
            "expires_at": self.expires_at.isoformat(),
            "lines": self.lines,
        }


@dataclass
class Fault:
    """Break the next `times` calls whose path contains `path`, in the way `kind` says."""

    kind: FaultKind
    path: str = "/internal/reservations"
    times: int = 1
    # kind "server-error": the status catalog (or a proxy in front of it) answers.
    status: int = 503
    # kind "wait": the call reaches catalog only once the test sets this.
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    # Set when a faulty call has arrived (for "wait": and is waiting).
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Call:
    method: str
    path: str
    authorization: str | None
    body: bytes


def _problem(status: int, code: str, **extensions: Any) -> JSONResponse:
    return JSONResponse(
        {"type": f"urn:shop:problem:{code}", "code": code, "status": status, **extensions},
        status_code=status,
        media_type="application/problem+json",
    )


@dataclass
class FakeCatalog:
    service_key: str
    products: dict[uuid.UUID, Product] = field(default_factory=dict)
    reservations: dict[str, Reservation] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.app = self._build_app()
        self.transport = _FaultyTransport(self)

    def add_product(
        self,
        *,
        stock: int = 10,
        price: str = "12.50",
        name: str = "Mug",
        sku: str | None = None,
        active: bool = True,
    ) -> uuid.UUID:
        product_id = uuid.uuid4()
        self.products[product_id] = Product(
            id=product_id,
            sku=sku or f"SKU-{product_id.hex[:8].upper()}",
            name=name,
            price=Decimal(price),
            available=stock,
            active=active,
        )
        return product_id

    def stock(self, product_id: uuid.UUID) -> tuple[int, int, int]:
        """(available, held, committed)."""
        self.sweep()
        product = self.products[product_id]
        return product.available, product.held, product.committed

    def reservation_calls(self, suffix: str = "") -> list[Call]:
        return [
            call
            for call in self.calls
            if call.path.startswith("/internal/reservations") and call.path.endswith(suffix)
        ]

    def expire(self, key: str) -> None:
        """What catalog's expiry does to a held reservation whose time is up."""
        reservation = self.reservations[key]
        assert reservation.status == "held"
        for product_id, quantity in reservation.quantities.items():
            self.products[product_id].held -= quantity
            self.products[product_id].available += quantity
        reservation.status = "expired"

    def sweep(self) -> None:
        """What catalog's expiry sweeper does, done whenever the fake is used or looked at."""
        now = datetime.now(UTC)
        for reservation in self.reservations.values():
            if reservation.status == "held" and reservation.expires_at <= now:
                self.expire(reservation.key)

    def _build_app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/api/catalog/healthz")
        async def healthz() -> dict[str, str]:
            return {"status": "ok"}

        @app.middleware("http")
        async def service_credential(request: Request, call_next: Any) -> Any:
            if request.url.path.startswith("/internal/") and request.headers.get(
                "authorization"
            ) != (f"Bearer {self.service_key}"):
                return _problem(401, "invalid-service-credential")
            return await call_next(request)

        @app.post("/internal/reservations")
        async def reserve(request: Request) -> JSONResponse:
            return self._reserve(await request.json())

        @app.post("/internal/reservations/{key}/commit")
        async def commit(key: str) -> JSONResponse:
            return self._commit(key)

        @app.post("/internal/reservations/{key}/release")
        async def release(key: str) -> JSONResponse:
            return self._release(key)

        return app

    def _reserve(self, body: dict[str, Any]) -> JSONResponse:
        key = body.get("key", "")
        lines = body.get("lines", [])
        ttl = body.get("ttl_seconds", 900)
        if (
            not KEY_PATTERN.match(key)
            or not 1 <= len(lines) <= 50
            or not 1 <= ttl <= 3600
            or any(not 1 <= line["quantity"] <= 1000 for line in lines)
        ):
            return _problem(422, "validation-error")
        quantities: dict[uuid.UUID, int] = {}
        for line in lines:
            product_id = uuid.UUID(line["product_id"])
            quantities[product_id] = quantities.get(product_id, 0) + line["quantity"]
        earlier = self.reservations.get(key)
        if earlier is not None:
            if earlier.quantities != quantities:
                return _problem(409, "reservation-key-conflict")
            return JSONResponse(earlier.body(), status_code=200)
        unavailable = [
            str(product_id)
            for product_id in quantities
            if product_id not in self.products or not self.products[product_id].active
        ]
        if unavailable:
            return _problem(422, "product-unavailable", product_ids=unavailable)
        shortages = [
            {
                "product_id": str(product_id),
                "requested": quantity,
                "available": self.products[product_id].available,
            }
            for product_id, quantity in quantities.items()
            if self.products[product_id].available < quantity
        ]
        if shortages:
            return _problem(409, "insufficient-stock", shortages=shortages)
        for product_id, quantity in quantities.items():
            self.products[product_id].available -= quantity
            self.products[product_id].held += quantity
        reservation = Reservation(
            key=key,
            quantities=quantities,
            lines=[
                {
                    "product_id": str(product_id),
                    "sku": self.products[product_id].sku,
                    "name": self.products[product_id].name,
                    "unit_price": str(self.products[product_id].price),
                    "quantity": quantity,
                }
                for product_id, quantity in quantities.items()
            ],
            status="held",
            expires_at=datetime.now(UTC) + timedelta(seconds=ttl),
        )
        self.reservations[key] = reservation
        return JSONResponse(reservation.body(), status_code=201)

    def _commit(self, key: str) -> JSONResponse:
        reservation = self.reservations.get(key)
        if reservation is None:
            return _problem(404, "reservation-not-found")
        if reservation.status == "expired":
            return _problem(409, "reservation-expired")
        if reservation.status == "released":
            return _problem(409, "illegal-reservation-transition")
        if reservation.status == "held":
            for product_id, quantity in reservation.quantities.items():
                self.products[product_id].held -= quantity
                self.products[product_id].committed += quantity
            reservation.status = "committed"
        return JSONResponse(reservation.body())

    def _release(self, key: str) -> JSONResponse:
        reservation = self.reservations.get(key)
        if reservation is None:
            return _problem(404, "reservation-not-found")
        if reservation.status in ("held", "committed"):
            for product_id, quantity in reservation.quantities.items():
                product = self.products[product_id]
                if reservation.status == "held":
                    product.held -= quantity
                else:
                    product.committed -= quantity
                product.available += quantity
            reservation.status = "released"
        return JSONResponse(reservation.body())


class _FaultyTransport(httpx.AsyncBaseTransport):
    """Delegates to the fake's ASGI app, unless a fault is due for the request."""

    def __init__(self, catalog: FakeCatalog) -> None:
        self._catalog = catalog
        self._app = httpx.ASGITransport(app=catalog.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self._catalog.calls.append(
            Call(request.method, request.url.path, request.headers.get("authorization"), body)
        )
        self._catalog.sweep()
        fault = self._due_fault(request)
        if fault is None:
            return await self._app.handle_async_request(request)
        fault.arrived.set()
        if fault.kind == "wait":
            await fault.gate.wait()
            return await self._app.handle_async_request(request)
        if fault.kind == "refuse":
            raise httpx.ConnectError("connection refused", request=request)
        if fault.kind == "disconnect":  # a catalog going down mid-request
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        if fault.kind == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault.kind == "server-error":
            return httpx.Response(
                fault.status, json={"code": "service-unavailable"}, request=request
            )
        if fault.kind == "garbage":  # a 200 that is not the contract's JSON
            return httpx.Response(200, text="<html>maintenance</html>", request=request)
        if fault.kind == "undecodable":  # a body that does not decode as it says it is
            return httpx.Response(
                200,
                headers={"Content-Encoding": "gzip"},
                stream=httpx.ByteStream(b"not gzip"),  # read, and failed, by the client
                request=request,
            )
        if fault.kind == "hang":
            await asyncio.Event().wait()  # until the caller's deadline cancels it
        # lose-answer: catalog acts, the answer never arrives.
        response = await self._app.handle_async_request(request)
        await response.aread()
        raise httpx.ReadTimeout("answer lost", request=request)

    def _due_fault(self, request: httpx.Request) -> Fault | None:
        for fault in self._catalog.faults:
            if fault.times > 0 and fault.path in request.url.path:
                fault.times -= 1
                return fault
        return None
