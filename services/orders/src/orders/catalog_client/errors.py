"""What can come of a call to catalog, other than the answer asked for.

These are not HTTP problems, and named so that they never read as one: the ordering service
decides what each means for its own client (`orders.ordering.errors`).
"""

import uuid
from collections.abc import Sequence

from orders.catalog_client.schemas import Shortage


class CatalogCallFailed(Exception):
    """Catalog answered, or failed to, in a way the caller has to handle."""


class CatalogUnreachable(CatalogCallFailed):
    """No usable answer within the deadline (timeouts, refused connections, 5xx, nonsense).

    The outcome of the call is unknown: a reservation may or may not have been made.
    """


class ReservationRefused(CatalogCallFailed):
    """Catalog reserved nothing, and said why: a repeat would be refused the same way."""


class StockShort(ReservationRefused):
    """Some lines ask for more than is available."""

    def __init__(self, shortages: Sequence[Shortage]) -> None:
        super().__init__("not enough stock")
        self.shortages = list(shortages)


class ProductsNotForSale(ReservationRefused):
    """Some products are unknown to catalog or not for sale."""

    def __init__(self, product_ids: Sequence[uuid.UUID]) -> None:
        super().__init__("products not for sale")
        self.product_ids = list(product_ids)


class NoSuchReservation(CatalogCallFailed):
    """Catalog holds no reservation under the key: nothing was ever held."""


class HoldExpired(CatalogCallFailed):
    """The hold ran out before it was committed: its stock is back on sale."""


class ReservationSettled(CatalogCallFailed):
    """The reservation is in a state that does not allow the move (e.g. released already)."""
