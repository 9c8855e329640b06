"""Prices as the catalog accepts them; how money is answered is `service_kit.money.Money`.

A price is a decimal string with at most two places ("12.5", "12.50"), never a JSON number:
money travels as a string (docs/architecture.md), and a float such as 0.1 + 0.2 is no price.
The pattern is the whole rule, the same in validation and in the OpenAPI documents (ASCII
digits only, no sign, exponent, spaces or leading zeros), so what the documents allow is
what the API accepts.
"""

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

# The column: numeric(12, 2), up to 9,999,999,999.99.
PRICE_DIGITS = 12
PRICE_PLACES = 2

# At most 10 digits before the point and 2 after: Numeric(12, 2).
_WHOLE = "(?:0|[1-9][0-9]{0,9})"
_CENTS = r"(?:\.[0-9]{1,2})?"
PRICE_BOUND_PATTERN = f"^{_WHOLE}{_CENTS}$"
# Above zero: a whole part from 1, or 0 with cents that are not all zero.
PRICE_PATTERN = rf"^(?:[1-9][0-9]{{0,9}}{_CENTS}|0\.(?:[1-9][0-9]?|0[1-9]))$"


def _decimal_text(pattern: str, description: str) -> BeforeValidator:
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ValueError(description)
        return value

    return BeforeValidator(check)


# What the API accepts as a price: above zero.
Price = Annotated[
    Decimal,
    _decimal_text(
        PRICE_PATTERN, 'a price is a decimal string above 0 with at most 2 places, e.g. "12.50"'
    ),
    WithJsonSchema({"type": "string", "pattern": PRICE_PATTERN, "examples": ["12.50"]}),
]

# A bound of a price range in a query: zero allowed.
PriceBound = Annotated[
    Decimal,
    _decimal_text(
        PRICE_BOUND_PATTERN, 'a price bound is a decimal string with at most 2 places, e.g. "20"'
    ),
    WithJsonSchema({"type": "string", "pattern": PRICE_BOUND_PATTERN, "examples": ["20"]}),
]
