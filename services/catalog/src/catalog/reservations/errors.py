from typing import ClassVar

from service_kit.problems import Conflict, NotFound, Unauthorized, UnprocessableContent


class InvalidServiceCredential(Unauthorized):
    code = "invalid-service-credential"
    title = "Invalid service credential"

    # A 401 says how to authenticate (RFC 9110), every one of them.
    default_headers: ClassVar = {"WWW-Authenticate": 'Bearer realm="internal"'}


class InsufficientStock(Conflict):
    code = "insufficient-stock"
    title = "Not enough stock"


class ReservationKeyConflict(Conflict):
    code = "reservation-key-conflict"
    title = "Reservation key already used for other lines"


class ProductUnavailable(UnprocessableContent):
    code = "product-unavailable"
    title = "Products unknown or not for sale"


class ReservationNotFound(NotFound):
    code = "reservation-not-found"
    title = "Reservation not found"


class ReservationExpired(Conflict):
    code = "reservation-expired"
    title = "Reservation expired"


class IllegalReservationTransition(Conflict):
    code = "illegal-reservation-transition"
    title = "Illegal reservation transition"
