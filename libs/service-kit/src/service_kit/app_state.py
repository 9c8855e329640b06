"""App-scoped dependencies: what the app builds once at start-up, handed to endpoints.

Each service names its own once, in its `dependencies.py`:

    CatalogDep = Annotated[CatalogClient, Depends(from_app_state("catalog"))]
"""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request


def from_app_state(attribute: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency answering `request.app.state.<attribute>`.

    `async def`: FastAPI runs a plain `def` dependency in a worker thread, a thread hand-off
    per request for what is an attribute lookup.
    """

    async def app_state_attribute(request: Request) -> Any:
        return getattr(request.app.state, attribute)

    app_state_attribute.__name__ = f"app_state_{attribute}"
    return app_state_attribute
