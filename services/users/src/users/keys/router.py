from typing import Any

from fastapi import APIRouter, Response

from users.dependencies import KeyRingDep
from users.keys.schemas import JsonWebKeySet
from users.settings import API_PREFIX

router = APIRouter(prefix=API_PREFIX + "/.well-known", tags=["auth"])


@router.get("/jwks.json", response_model=JsonWebKeySet)
async def jwks(key_ring: KeyRingDep, response: Response) -> dict[str, Any]:
    """The public keys that verify access tokens (RFC 7517), the signing key's first."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return key_ring.jwks()
