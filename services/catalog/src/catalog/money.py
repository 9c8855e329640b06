"""Prices as the catalog accepts them; how money is answered is `service_kit.money.Money`."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field

# What the API accepts: a positive amount with at most two decimal places ("12.5", "12.50", 12.5).
Price = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]

# A bound of a price range in a query: zero allowed.
PriceBound = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
