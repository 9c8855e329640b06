import uuid

from fastapi import APIRouter

from orders.notifications import service
from orders.notifications.errors import NotificationNotFound, NotificationNotParked
from orders.notifications.models import DeliveryState, OrderNotification
from orders.notifications.schemas import DeliveryStateName, NotificationDetails
from orders.settings import API_PREFIX
from service_kit.auth import RequireAdmin
from service_kit.database import SessionDep
from service_kit.openapi import problem_responses
from service_kit.pagination import DEFAULT_PAGE_SIZE, OffsetPage, PageOffset, PageOfRows, PageSize

admin_router = APIRouter(prefix=API_PREFIX + "/admin/notifications", tags=["orders: admin"])


@admin_router.get(
    "",
    response_model=OffsetPage[NotificationDetails],
    summary="Order emails, newest first; `state=parked`: those that need an admin",
)
async def list_notifications(
    session: SessionDep,
    _: RequireAdmin,
    state: DeliveryStateName | None = None,
    order_id: uuid.UUID | None = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    offset: PageOffset = 0,
) -> PageOfRows[OrderNotification]:
    return await service.list_notifications(
        session=session,
        state=None if state is None else DeliveryState(state),
        order_id=order_id,
        limit=limit,
        offset=offset,
    )


@admin_router.post(
    "/{notification_id}/requeue",
    response_model=NotificationDetails,
    responses=problem_responses(NotificationNotFound, NotificationNotParked),
    summary="Queue a parked email again, with a fresh set of attempts",
)
async def requeue_notification(
    notification_id: uuid.UUID, session: SessionDep, _: RequireAdmin
) -> OrderNotification:
    return await service.requeue(session=session, notification_id=notification_id)
