"""What the development SMTP sink received (deploy/mail-sink, its HTTP API)."""

import httpx

from e2e_testing import Json
from e2e_testing.stack import Shop


def emails_to(shop: Shop, address: str) -> list[Json]:
    """Every email the sink holds for `address`, oldest first."""
    response = httpx.get(f"{shop.mail_sink_url()}/messages", params={"to": address}, timeout=5)
    response.raise_for_status()
    items: list[Json] = response.json()["items"]
    return items


def subjects(emails: list[Json]) -> list[str]:
    return [email["subject"] for email in emails]
