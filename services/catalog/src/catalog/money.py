"""Prices as the catalog accepts them; how money is answered is `service_kit.money.Money`."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field

# The column: numeric(12, 2), up to 9,999,999,999.99.
PRICE_DIGITS = 12
PRICE_PLACES = 2

# What the API accepts: a positive amount with at most two decimal places ("12.5", "12.50", 12.5).
Price = Annotated[Decimal, Field(gt=0, max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)]

# A bound of a price range in a query: zero allowed.
PriceBound = Annotated[Decimal, Field(ge=0, max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES)]
