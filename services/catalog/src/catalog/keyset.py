"""What a service answers for a keyset page: the rows, not yet serialized, and their cursor.

kit candidate: service_kit.pagination, beside PageOfRows (the offset page's counterpart);
catalog is the one service with keyset pages so far.
"""

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

RowT = TypeVar("RowT")


class KeysetPageOfRows(Generic[RowT]):
    """One keyset page of rows, which the route's `response_model=KeysetPage[...]` validates
    by attribute (a plain class, like PageOfRows, so nothing copies the rows)."""

    __slots__ = ("items", "next_cursor")

    def __init__(self, *, items: Sequence[RowT], next_cursor: str | None) -> None:
        self.items = items
        self.next_cursor = next_cursor


def keyset_page(
    rows: Sequence[RowT], *, limit: int, cursor_after: Callable[[RowT], str]
) -> KeysetPageOfRows[RowT]:
    """The page of `rows`, read with `limit + 1`: the first `limit` of them, and a cursor
    after the last one (`cursor_after`) when the extra row shows there are more."""
    if len(rows) <= limit:
        return KeysetPageOfRows(items=rows, next_cursor=None)
    items = rows[:limit]
    return KeysetPageOfRows(items=items, next_cursor=cursor_after(items[-1]))
