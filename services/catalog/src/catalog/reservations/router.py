"""catalog's internal reservation API, for orders; never routed by the gateway."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from catalog.reservations import service
from catalog.reservations.credentials import ServiceCaller
from catalog.reservations.schemas import KEY_PATTERN, ReservationOut, ReservationRequest
from catalog.settings import INTERNAL_PREFIX, CatalogSettings
from service_kit.database import Database, SessionDep, autocommit_connection

# Out of the public OpenAPI document: the gateway serves it, and these routes are not there.
router = APIRouter(
    prefix=INTERNAL_PREFIX + "/reservations", tags=["internal"], include_in_schema=False
)

KeyPath = Annotated[str, Path(min_length=1, max_length=100, pattern=KEY_PATTERN)]


@router.post("", response_model=ReservationOut, status_code=status.HTTP_201_CREATED)
async def reserve_stock(
    _caller: ServiceCaller, request: Request, response: Response, data: ReservationRequest
) -> ReservationOut:
    # Not the request's session: reserving is one statement, atomic by itself, so it runs
    # without BEGIN/COMMIT (two round trips fewer on the path every order waits for).
    settings: CatalogSettings = request.app.state.settings
    database: Database = request.app.state.database
    async with autocommit_connection(database.engine) as connection:
        reservation, created = await service.reserve_stock(
            connection=connection,
            request=data,
            default_ttl_seconds=settings.reservation_default_ttl_seconds,
        )
    if not created:
        response.status_code = status.HTTP_200_OK
    return reservation


@router.get("/{key}", response_model=ReservationOut)
async def get_reservation(
    _caller: ServiceCaller, session: SessionDep, key: KeyPath
) -> ReservationOut:
    return await service.get_reservation(session=session, key=key)


@router.post("/{key}/commit", response_model=ReservationOut)
async def commit_reservation(
    _caller: ServiceCaller, session: SessionDep, key: KeyPath
) -> ReservationOut:
    return await service.commit_reservation(session=session, key=key)


@router.post("/{key}/release", response_model=ReservationOut)
async def release_reservation(
    _caller: ServiceCaller, session: SessionDep, key: KeyPath
) -> ReservationOut:
    return await service.release_reservation(session=session, key=key)
