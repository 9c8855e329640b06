"""What can go wrong when orders asks catalog for something, in orders' own terms.

These are not HTTP problems: the ordering service decides what each means for its client.
"""

import uuid
from collections.abc import Sequence

from orders.catalog.schemas import Shortage


class CatalogError(Exception):
    """Catalog answered, or failed to, in a way the caller has to handle."""


class CatalogUnavailable(CatalogError):
    """No usable answer within the deadline (timeouts, refused connections, 5xx, nonsense).

    The outcome of the call is unknown: a reservation may or may not have been made.
    """


class InsufficientStock(CatalogError):
    def __init__(self, shortages: Sequence[Shortage]) -> None:
        super().__init__("not enough stock")
        self.shortages = list(shortages)


class ProductsUnavailable(CatalogError):
    """Some products are unknown to catalog or not for sale."""

    def __init__(self, product_ids: Sequence[uuid.UUID]) -> None:
        super().__init__("products unavailable")
        self.product_ids = list(product_ids)


class ReservationNotFound(CatalogError):
    pass


class ReservationExpired(CatalogError):
    """The hold ran out before it was committed: its stock is back on sale."""


class ReservationNotHeld(CatalogError):
    """The reservation is in a state that does not allow the move (e.g. already released)."""
