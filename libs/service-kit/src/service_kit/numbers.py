"""Integers as JSON Schema's `integer` defines them, for every count a client sends.

JSON Schema counts any number with a zero fractional part as an integer (`5` and `5.0`), so
the OpenAPI documents allow `5.0`; `true` and `"5"` are no integers there. pydantic's lax
`int` takes all four, its strict `int` only `5`. `JsonInteger` takes exactly what the
documents allow.
"""

from typing import Annotated

from pydantic import BeforeValidator, Strict


def _integral_number(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInteger = Annotated[int, BeforeValidator(_integral_number), Strict()]

# The largest value of an `integer` column (int4): counters, quantities.
INT4_MAX = 2**31 - 1
