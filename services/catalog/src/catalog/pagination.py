"""Keyset pagination: opaque cursors and bounded pages.

A cursor carries the sort key of the last row of a page and a digest of the query it belongs
to; the next page continues strictly after that row in a total order (the id breaks ties), so
no row is skipped or repeated while rows are added, and deep pages cost what the first one does.
"""

import base64
import binascii
import hashlib
import json
import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from service_kit.problems import UnprocessableContent

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

PageSize = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (1..100, default 20)")
]
CursorParam = Annotated[
    str | None,
    Query(max_length=512, description="next_cursor of the previous page; omit for the first"),
]


class InvalidCursor(UnprocessableContent):
    code = "invalid-cursor"
    title = "Invalid page cursor"


ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page"
    )


def query_digest(**query: Any) -> str:
    """A short digest of the filters and sort a cursor was made for."""
    canonical = json.dumps(query, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(*, digest: str, key: list[Any]) -> str:
    payload = json.dumps({"q": digest, "k": key}, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, digest: str, key_length: int) -> list[Any]:
    """The sort key stored in `cursor`; InvalidCursor if it is garbage or from another query."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise _invalid() from error
    if not isinstance(payload, dict) or payload.get("q") != digest:
        raise InvalidCursor(
            "The cursor belongs to a different query; keep the filters and sort of the first page."
        )
    key = payload.get("k")
    if not isinstance(key, list) or len(key) != key_length:
        raise _invalid()
    return key


def _invalid() -> InvalidCursor:
    return InvalidCursor("The cursor is not one this API issued.")


def cursor_uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise _invalid() from error


def cursor_decimal(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as error:
        raise _invalid() from error
    if not number.is_finite():
        raise _invalid()
    return number


def cursor_datetime(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise _invalid() from error
    if moment.tzinfo is None:
        raise _invalid()
    return moment


def cursor_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid()
    return float(value)


def cursor_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid()
    return value


def cursor_str(value: Any) -> str:
    if not isinstance(value, str):
        raise _invalid()
    return value
