"""A product's stock as the API reports it, and reservations made overdue."""

import asyncpg
import httpx

from catalog_testing import Json


async def stock_of(client: httpx.AsyncClient, admin: dict[str, str], product: Json) -> Json:
    response = await client.get(f"/api/catalog/products/{product['id']}/stock", headers=admin)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def make_overdue(db: asyncpg.Connection, *keys: str) -> None:
    """Move reservations' expiry into the past: the clock is the one thing not waited for."""
    await db.execute(
        "UPDATE catalog.reservations SET expires_at = now() - interval '1 second'"
        " WHERE key = ANY($1::text[])",
        list(keys),
    )
