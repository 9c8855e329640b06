"""Orders' view of the catalog service, over HTTP. Orders keeps its own models of it."""

import httpx

CATALOG_HEALTH_PATH = "/api/catalog/healthz"


class CatalogClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def is_available(self) -> bool:
        """True when catalog answers its liveness endpoint in time."""
        try:
            response = await self._http.get(CATALOG_HEALTH_PATH)
        except httpx.HTTPError:
            return False
        return response.status_code == httpx.codes.OK

    async def aclose(self) -> None:
        await self._http.aclose()
