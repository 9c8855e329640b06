"""The two page shapes every list answers with: offset pages and keyset pages.

An offset page (`OffsetPage`) is for lists an admin pages through by number, where a total
is wanted and the list is small enough to count: `Repository.paginate` fills it.

A keyset page (`KeysetPage`) is for public lists that may be long and change while read. Its
cursor carries the sort key of the last row of a page and a digest of the query it belongs
to; the next page continues strictly after that row in a total order (the id breaks ties), so
no row is skipped or repeated while rows are added, and deep pages cost what the first one does.

Cursors are signed with HMAC-SHA256 under CURSOR_SIGNING_KEY (a key of this deployment): a
client can hand back only a cursor this service issued, unchanged. The values read back are
still range-checked before they reach a statement (`cursor_*`), so that even a cursor signed
by mistake or with a leaked key cannot carry a value Postgres would refuse.
HMAC from the standard library, not a token library: the whole scheme is one `hmac.new` and
one `hmac.compare_digest`, with no claims, expiry or algorithm choice to get wrong.
"""

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, NoReturn, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from service_kit.numbers import INT4_MAX
from service_kit.problems import BadRequest

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Deeper than any admin pages by hand; past it a keyset page is the tool.
MAX_OFFSET = 1_000_000
# Room for the longest sort key we issue: a product name of 200 four-byte characters.
MAX_CURSOR_LENGTH = 2048

PageSize = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (1..100, default 20)")
]
PageOffset = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description="Items to skip (0..1000000, default 0)")
]
CursorParam = Annotated[
    str | None,
    Query(
        max_length=MAX_CURSOR_LENGTH,
        description="next_cursor of the previous page, unchanged; omit for the first",
        # What the API issues (payload.signature, base64url), so the documents say so; any
        # other string is refused as a 400 invalid-cursor by the decoder, like a forged one.
        json_schema_extra={"pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"},
    ),
]

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class InvalidCursor(BadRequest):
    code = "invalid-cursor"
    title = "Invalid page cursor"


ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")


class OffsetPage(BaseModel, Generic[ItemT]):
    """One page of a counted list: `items` from `offset` on, of `total` in all."""

    items: list[ItemT]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class PageOfRows(Generic[RowT]):
    """What a service answers for an `OffsetPage` (`Repository.paginate` reads it): the rows,
    not yet serialized; the route's `response_model=OffsetPage[...]` validates them by
    attribute."""

    items: Sequence[RowT]
    total: int
    limit: int
    offset: int


class KeysetPage(BaseModel, Generic[ItemT]):
    """One page of a keyset-paged list; `next_cursor` continues it."""

    items: list[ItemT]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page"
    )


@dataclass(frozen=True, slots=True)
class KeysetPageOfRows(Generic[RowT]):
    """What a service answers for a `KeysetPage`: the rows, not yet serialized, and the cursor
    after them; the route's `response_model=KeysetPage[...]` validates them by attribute."""

    items: Sequence[RowT]
    next_cursor: str | None


def keyset_page(
    rows: Sequence[RowT], *, limit: int, cursor_after: Callable[[RowT], str]
) -> KeysetPageOfRows[RowT]:
    """The page of `rows`, read with `limit + 1`: the first `limit` of them, and a cursor
    after the last one (`cursor_after`) when the extra row shows there are more."""
    if len(rows) <= limit:
        return KeysetPageOfRows(items=rows, next_cursor=None)
    items = rows[:limit]
    return KeysetPageOfRows(items=items, next_cursor=cursor_after(items[-1]))


def query_digest(**query: Any) -> str:
    """A short digest of the filters and sort a cursor was made for."""
    canonical = json.dumps(query, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class PageCursors:
    """Issues and reads the cursors of keyset pages: `<payload>.<signature>`, base64url.

    The payload is JSON, `{"q": <query digest>, "k": <sort key>}`; the signature is the
    HMAC-SHA256 of the encoded payload under the deployment's key. Another key (a rotated
    one, another deployment's) makes every cursor it signed invalid.
    """

    def __init__(self, signing_key: str) -> None:
        self._key = signing_key.encode()

    def issue(self, *, digest: str, key: list[Any]) -> str:
        payload = json.dumps(
            {"q": digest, "k": key}, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        body = _encode(payload.encode())
        return f"{body}.{self._signature(body)}"

    def read(self, cursor: str, *, digest: str, key_length: int) -> list[Any]:
        """The sort key in `cursor`; InvalidCursor unless this deployment issued it for this
        query. The values are not checked yet: read each with a `cursor_*` function."""
        body, _, signature = cursor.partition(".")
        if not (_BASE64URL.fullmatch(body) and _BASE64URL.fullmatch(signature)):
            _invalid()
        # Constant time: how much of a guessed signature matches must not show in the timing.
        if not hmac.compare_digest(signature.encode(), self._signature(body).encode()):
            _invalid()
        try:
            payload = json.loads(
                _decode(body), parse_constant=_refuse_constant, parse_float=_finite_float
            )
        except (ValueError, RecursionError, binascii.Error):
            _invalid()
        if not isinstance(payload, dict) or payload.get("q") != digest:
            raise InvalidCursor(
                "The cursor belongs to a different query; keep the filters and sort of the"
                " first page."
            )
        key = payload.get("k")
        if not isinstance(key, list) or len(key) != key_length:
            _invalid()
        return key

    def _signature(self, body: str) -> str:
        return _encode(hmac.new(self._key, body.encode(), hashlib.sha256).digest())


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _refuse_constant(name: str) -> NoReturn:
    # json.loads would otherwise turn NaN and Infinity into floats.
    raise ValueError(f"{name} is not a number a cursor carries")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999
        raise ValueError("a cursor carries finite numbers only")
    return number


def _invalid() -> NoReturn:
    raise InvalidCursor("The cursor is not one this API issued; start again from the first page.")


# --- The values of a sort key, each checked against what its column can hold ---------------


def cursor_uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        _invalid()
    try:
        return uuid.UUID(value)
    except ValueError:
        _invalid()


def cursor_decimal(value: Any, *, max_digits: int, decimal_places: int) -> Decimal:
    """A decimal that a `numeric(max_digits, decimal_places)` column can hold."""
    if not isinstance(value, str):
        _invalid()
    try:
        number = Decimal(value)
    except InvalidOperation:
        _invalid()
    if not number.is_finite():
        _invalid()
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    whole_digits = len(digits) + exponent
    if exponent < -decimal_places or whole_digits > max_digits - decimal_places:
        _invalid()
    return number


def cursor_datetime(value: Any) -> datetime:
    """An aware moment, in UTC; one whose UTC date is outside years 1..9999 is refused."""
    if not isinstance(value, str):
        _invalid()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        _invalid()
    if moment.tzinfo is None:
        _invalid()
    try:
        # 0001-01-01T00:00+14:00 is in year 0 in UTC: the driver would fail converting it.
        return moment.astimezone(UTC)
    except OverflowError:
        _invalid()


def cursor_float(value: Any) -> float:
    """A finite float8."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        _invalid()
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        _invalid()
    if not math.isfinite(number):
        _invalid()
    return number


def cursor_int(value: Any, *, minimum: int = 0, maximum: int = INT4_MAX) -> int:
    """An integer within what an `integer` column holds (by default its non-negative part)."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        _invalid()
    return value


def cursor_str(value: Any, *, max_length: int) -> str:
    """Text that a `varchar(max_length)` column can hold: no NUL, valid UTF-8."""
    if not isinstance(value, str) or len(value) > max_length or "\x00" in value:
        _invalid()
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate
        _invalid()
    return value
