"""Liveness and readiness endpoints.

`/healthz` answers while the process runs. `/readyz` answers 200 only when the service's
database answers through PgBouncer; dependencies that must not gate readiness (another
service, say) are reported in `dependencies` without failing it.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from service_kit.database import Database

logger = logging.getLogger(__name__)

DependencyProbe = Callable[[Request], Awaitable[bool]]
_PROBE_TIMEOUT_SECONDS = 2.0

CheckState = Literal["ok", "failing"]


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not-ready"]
    database: CheckState
    dependencies: dict[str, CheckState]


async def _probe(name: str, probe: Callable[[], Awaitable[object]]) -> CheckState:
    try:
        await asyncio.wait_for(probe(), timeout=_PROBE_TIMEOUT_SECONDS)
    except Exception:
        logger.warning("readiness probe failed", extra={"probe": name}, exc_info=True)
        return "failing"
    return "ok"


def health_router(
    api_prefix: str, dependency_probes: Mapping[str, DependencyProbe] | None = None
) -> APIRouter:
    probes = dict(dependency_probes or {})
    router = APIRouter(prefix=api_prefix, tags=["health"])

    @router.get("/healthz", response_model=Liveness)
    async def healthz() -> Liveness:
        return Liveness()

    @router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
    async def readyz(request: Request) -> JSONResponse:
        database: Database = request.app.state.database
        database_state = await _probe("database", database.ping)
        dependency_states: dict[str, CheckState] = {}
        for name, probe in probes.items():

            async def check(probe: DependencyProbe = probe) -> None:
                if not await probe(request):
                    raise RuntimeError("dependency reported not ready")

            dependency_states[name] = await _probe(name, check)
        ready = database_state == "ok"
        body = Readiness(
            status="ready" if ready else "not-ready",
            database=database_state,
            dependencies=dependency_states,
        )
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    return router
