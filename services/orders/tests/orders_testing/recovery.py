"""The recovery jobs as tests run them (the `resolve` and `sweep` fixtures)."""

from collections.abc import Awaitable, Callable

# One reconciliation round (older_than: how old a placement must be); placements resolved.
Resolve = Callable[..., Awaitable[int]]
# One hold-expiry round; orders cancelled.
Sweep = Callable[[], Awaitable[int]]
