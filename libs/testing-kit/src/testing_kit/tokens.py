"""Access tokens for tests: a signing key of the test's own, shaped like the users service's."""

import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ISSUER = "shop-users"
AUDIENCE = "shop"


class SigningKey:
    def __init__(self, key_id: str = "test-key") -> None:
        self.key_id = key_id
        self.private = Ed25519PrivateKey.generate()

    def public_jwk(self) -> dict[str, Any]:
        public_key = self.private.public_key()
        jwk: dict[str, Any] = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(public_key))
        return {**jwk, "kid": self.key_id, "alg": "EdDSA", "use": "sig"}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, **overrides: Any) -> str:
        """A valid customer token; `overrides` replace claims (None removes one)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": str(uuid.uuid4()),
            "role": "customer",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 900,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        claims = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(claims, self.private, algorithm="EdDSA", headers={"kid": self.key_id})

    async def jwks_source(self) -> dict[str, Any]:
        """Pass as `jwks_source=` to create_service_app / create_app in service tests."""
        return self.jwks()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
