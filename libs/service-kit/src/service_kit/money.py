"""Money on the wire: Decimal in Python, a string with two decimal places in JSON.

Every service keeps amounts as Numeric(12, 2) in its database; this is the one JSON shape
they all answer with ("12.50", never 12.5 and never a float).
"""

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer

CENT = Decimal("0.01")


def format_money(value: Decimal) -> str:
    return str(value.quantize(CENT))


Money = Annotated[Decimal, PlainSerializer(format_money, return_type=str, when_used="json")]
