import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from orders.dependencies import CatalogDep, SettingsDep
from orders.ordering import placement, service
from orders.ordering.errors import (
    CatalogUnavailable,
    HoldLimitExceeded,
    IdempotencyKeyReused,
    IllegalStatusTransition,
    InsufficientStock,
    OrderNotFound,
    OrderTooLarge,
    PlacementInProgress,
    ProductUnavailable,
    ReservationExpired,
    ReservationNotHeld,
    TooManyPendingOrders,
)
from orders.ordering.models import Order, OrderStatus
from orders.ordering.repository import OrderDetailsValues
from orders.ordering.schemas import (
    IDEMPOTENCY_KEY_PATTERN,
    OrderDetails,
    OrderStatistics,
    OrderSummary,
    PlaceOrderRequest,
    VisibleStatus,
)
from orders.settings import API_PREFIX
from service_kit.auth import CurrentUser, Principal, RequireAdmin
from service_kit.database import DatabaseDep, ReadSessionDep, SessionDep
from service_kit.openapi import problem_responses
from service_kit.pagination import DEFAULT_PAGE_SIZE, OffsetPage, PageOffset, PageOfRows, PageSize
from service_kit.timestamps import Instant, InvalidDateRange

router = APIRouter(prefix=API_PREFIX + "/orders", tags=["orders"])
admin_router = APIRouter(prefix=API_PREFIX + "/admin", tags=["orders: admin"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Repeat a placement safely: the same key and body give the first result.",
    ),
]
CreatedFrom = Annotated[Instant | None, Query(description="created at or after")]
CreatedBefore = Annotated[Instant | None, Query(description="created before")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderDetails,
    responses=problem_responses(
        InsufficientStock,
        PlacementInProgress,
        ProductUnavailable,
        OrderTooLarge,
        IdempotencyKeyReused,
        TooManyPendingOrders,
        HoldLimitExceeded,
        CatalogUnavailable,
    ),
    summary="Place an order (reserves its stock)",
)
async def place_order(
    body: PlaceOrderRequest,
    customer: CurrentUser,
    database: DatabaseDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> OrderDetailsValues:
    placed = await placement.place_order(
        database=database,
        catalog=catalog,
        settings=settings,
        customer=customer,
        request=body,
        idempotency_key=idempotency_key,
    )
    response.headers["Location"] = f"{router.prefix}/{placed.order['id']}"
    if placed.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return placed.order


@router.get(
    "", response_model=OffsetPage[OrderSummary], summary="The caller's orders, newest first"
)
async def list_my_orders(
    session: SessionDep,
    customer: CurrentUser,
    status: VisibleStatus | None = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    offset: PageOffset = 0,
) -> PageOfRows[Order]:
    return await service.list_orders(
        session=session, customer_id=customer.user_id, status=status, limit=limit, offset=offset
    )


@router.get(
    "/{order_id}",
    response_model=OrderDetails,
    responses=problem_responses(OrderNotFound),
    summary="One order with its history",
)
async def get_order(
    order_id: uuid.UUID, session: ReadSessionDep, viewer: CurrentUser
) -> OrderDetailsValues:
    return await service.get_order(session=session, order_id=order_id, viewer=viewer)


async def _move(
    session: SessionDep, catalog: CatalogDep, order_id: uuid.UUID, to: OrderStatus, actor: Principal
) -> Order:
    return await service.change_status(
        session=session, catalog=catalog, order_id=order_id, to_status=to, actor=actor
    )


# Cancelling and confirming settle the order's stock with catalog, and can fail there too.
_SETTLING_PROBLEMS = problem_responses(
    OrderNotFound,
    IllegalStatusTransition,
    ReservationExpired,
    ReservationNotHeld,
    CatalogUnavailable,
)


@router.post(
    "/{order_id}/cancel",
    response_model=OrderDetails,
    responses=_SETTLING_PROBLEMS,
    summary="Cancel (customer: own pending order; admin: pending or confirmed); stock returns",
)
async def cancel_order(
    order_id: uuid.UUID, session: SessionDep, catalog: CatalogDep, actor: CurrentUser
) -> Order:
    return await _move(session, catalog, order_id, OrderStatus.CANCELLED, actor)


@router.post(
    "/{order_id}/confirm",
    response_model=OrderDetails,
    responses=_SETTLING_PROBLEMS,
    summary="Confirm (admin); the stock is sold",
)
async def confirm_order(
    order_id: uuid.UUID, session: SessionDep, catalog: CatalogDep, admin: RequireAdmin
) -> Order:
    return await _move(session, catalog, order_id, OrderStatus.CONFIRMED, admin)


@router.post(
    "/{order_id}/ship",
    response_model=OrderDetails,
    responses=problem_responses(OrderNotFound, IllegalStatusTransition),
    summary="Ship (admin)",
)
async def ship_order(
    order_id: uuid.UUID, session: SessionDep, catalog: CatalogDep, admin: RequireAdmin
) -> Order:
    return await _move(session, catalog, order_id, OrderStatus.SHIPPED, admin)


@router.post(
    "/{order_id}/deliver",
    response_model=OrderDetails,
    responses=problem_responses(OrderNotFound, IllegalStatusTransition),
    summary="Deliver (admin)",
)
async def deliver_order(
    order_id: uuid.UUID, session: SessionDep, catalog: CatalogDep, admin: RequireAdmin
) -> Order:
    return await _move(session, catalog, order_id, OrderStatus.DELIVERED, admin)


def _date_range(created_from: Instant | None, created_before: Instant | None) -> None:
    if created_from is not None and created_before is not None and created_from >= created_before:
        raise InvalidDateRange("created_from must be earlier than created_before.")


@admin_router.get(
    "/orders",
    response_model=OffsetPage[OrderSummary],
    responses=problem_responses(InvalidDateRange),
    summary="Every order, newest first",
)
async def list_all_orders(
    session: SessionDep,
    _: RequireAdmin,
    customer_id: uuid.UUID | None = None,
    status: VisibleStatus | None = None,
    created_from: CreatedFrom = None,
    created_before: CreatedBefore = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    offset: PageOffset = 0,
) -> PageOfRows[Order]:
    _date_range(created_from, created_before)
    return await service.list_orders(
        session=session,
        customer_id=customer_id,
        status=status,
        created_from=created_from,
        created_before=created_before,
        limit=limit,
        offset=offset,
    )


@admin_router.get(
    "/stats",
    responses=problem_responses(InvalidDateRange),
    summary="Orders by status, revenue (cancelled excluded), average order value",
)
async def order_statistics(
    session: SessionDep,
    _: RequireAdmin,
    created_from: CreatedFrom = None,
    created_before: CreatedBefore = None,
) -> OrderStatistics:
    _date_range(created_from, created_before)
    return await service.order_statistics(
        session=session, created_from=created_from, created_before=created_before
    )
