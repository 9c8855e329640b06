"""catalog's internal reservation API, for orders; never routed by the gateway."""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from catalog.dependencies import SettingsDep
from catalog.reservations import service
from catalog.reservations.errors import (
    IllegalReservationTransition,
    InsufficientStock,
    ProductUnavailable,
    ReservationExpired,
    ReservationKeyConflict,
    ReservationNotFound,
)
from catalog.reservations.models import HeldReservation, Reservation
from catalog.reservations.schemas import KEY_PATTERN, ReservationOut, ReservationRequest
from catalog.settings import INTERNAL_PREFIX
from service_kit.database import DatabaseDep, ReadSessionDep, SessionDep
from service_kit.internal_api import InvalidServiceCredential, ServiceCaller
from service_kit.openapi import problem_responses

# Out of the public OpenAPI document: the gateway serves it, and these routes are not there.
# Declared all the same, so that the routes say what they answer.
router = APIRouter(
    prefix=INTERNAL_PREFIX + "/reservations",
    tags=["internal"],
    include_in_schema=False,
    responses=problem_responses(InvalidServiceCredential),
)

KeyPath = Annotated[str, Path(min_length=1, max_length=100, pattern=KEY_PATTERN)]


@router.post(
    "",
    response_model=ReservationOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(ReservationKeyConflict, InsufficientStock, ProductUnavailable),
)
async def reserve_stock(
    _caller: ServiceCaller,
    database: DatabaseDep,
    settings: SettingsDep,
    response: Response,
    data: ReservationRequest,
) -> Reservation | HeldReservation:
    reservation, created = await service.reserve_stock(
        database=database,
        request=data,
        default_ttl_seconds=settings.reservation_default_ttl_seconds,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return reservation


@router.get(
    "/{key}", response_model=ReservationOut, responses=problem_responses(ReservationNotFound)
)
async def get_reservation(
    _caller: ServiceCaller, session: ReadSessionDep, key: KeyPath
) -> Reservation:
    return await service.get_reservation(session=session, key=key)


@router.post(
    "/{key}/commit",
    response_model=ReservationOut,
    responses=problem_responses(
        ReservationNotFound, ReservationExpired, IllegalReservationTransition
    ),
)
async def commit_reservation(
    _caller: ServiceCaller, session: SessionDep, key: KeyPath
) -> Reservation:
    return await service.commit_reservation(session=session, key=key)


@router.post(
    "/{key}/release",
    response_model=ReservationOut,
    responses=problem_responses(ReservationNotFound),
)
async def release_reservation(
    _caller: ServiceCaller, session: SessionDep, key: KeyPath
) -> Reservation:
    return await service.release_reservation(session=session, key=key)
