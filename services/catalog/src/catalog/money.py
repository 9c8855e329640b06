"""Money: Numeric(12,2) in the database, Decimal in Python, a string with two places in JSON."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

CENT = Decimal("0.01")


def format_money(value: Decimal) -> str:
    return str(value.quantize(CENT))


# What the API sends: always "12.50", never 12.5 or a float.
Money = Annotated[Decimal, PlainSerializer(format_money, return_type=str, when_used="always")]

# What the API accepts: a positive amount with at most two decimal places ("12.5", "12.50", 12.5).
Price = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]

# A bound of a price range in a query: zero allowed.
PriceBound = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
