from service_kit.problems import Conflict, NotFound, UnprocessableContent


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
