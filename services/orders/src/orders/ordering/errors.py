"""The problems the ordering endpoints answer with, each with a stable code."""

from service_kit.problems import Conflict, NotFound, ServiceUnavailable, UnprocessableContent


class OrderNotFound(NotFound):
    code = "order-not-found"
    title = "Order not found"


class IllegalStatusTransition(Conflict):
    code = "illegal-status-transition"
    title = "The order cannot move to that status"


class InsufficientStock(Conflict):
    code = "insufficient-stock"
    title = "Not enough stock"


class ProductUnavailable(UnprocessableContent):
    code = "product-unavailable"
    title = "Some products cannot be ordered"


class OrderTooLarge(UnprocessableContent):
    code = "order-total-too-large"
    title = "The order total is too large"


class IdempotencyKeyReused(UnprocessableContent):
    code = "idempotency-key-reused"
    title = "Idempotency-Key already used for another request"


class PlacementInProgress(Conflict):
    code = "order-placement-in-progress"
    title = "An order with this Idempotency-Key is still being placed"


class ReservationExpired(Conflict):
    code = "reservation-expired"
    title = "The order's stock hold has expired"


class ReservationNotHeld(Conflict):
    code = "reservation-not-held"
    title = "The order's stock is no longer held"


class CatalogUnavailable(ServiceUnavailable):
    code = "catalog-unavailable"
    title = "The catalog is not answering"


class TooManyPendingOrders(Conflict):
    code = "too-many-pending-orders"
    title = "Too many orders awaiting confirmation"


class HoldLimitExceeded(Conflict):
    code = "hold-limit-exceeded"
    title = "Too many units held for one customer"
