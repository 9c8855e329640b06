"""Access-token verification: what is accepted, what is refused, and how keys are cached."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from service_kit.auth import TokenVerifier, http_jwks_source
from service_kit.settings import ServiceSettings
from service_kit_testing.probe_app import PREFIX, build_probe_app
from testing_kit.fixtures import serve
from testing_kit.tokens import AUDIENCE, ISSUER, SigningKey, bearer


class KeyServer:
    """A JWKS document that can change, served over real HTTP (in-process ASGI)."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys = list(keys)
        self.fetches = 0
        self.down = False
        self.app = FastAPI()

        @self.app.get("/jwks.json")
        async def jwks() -> dict[str, Any]:
            self.fetches += 1
            if self.down:
                raise RuntimeError("users is down")
            return {"keys": [key.public_jwk() for key in self.keys]}

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://users")


@pytest.fixture
def signing_key() -> SigningKey:
    return SigningKey("key-1")


@pytest.fixture
def key_server(signing_key: SigningKey) -> KeyServer:
    return KeyServer(signing_key)


@pytest.fixture
def auth_settings(settings: ServiceSettings) -> ServiceSettings:
    # Refetch limits have their own clock-driven test; here every unknown kid may refetch.
    return settings.model_copy(update={"jwks_min_refetch_interval_seconds": 0})


@pytest.fixture
async def client(
    auth_settings: ServiceSettings, key_server: KeyServer
) -> AsyncIterator[httpx.AsyncClient]:
    async with key_server.client() as jwks_http:
        app = build_probe_app(auth_settings, jwks_source=http_jwks_source(jwks_http, "/jwks.json"))
        async with serve(app) as client:
            yield client


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_valid_token_identifies_the_caller(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    user_id = str(uuid.uuid4())

    response = await client.get(f"{PREFIX}/whoami", headers=bearer(signing_key.sign(sub=user_id)))

    assert response.status_code == 200
    assert response.json() == {"user_id": user_id, "role": "customer"}


async def test_missing_token_is_401_with_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{PREFIX}/whoami")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


def _forged_tokens(key: SigningKey) -> dict[str, str]:
    valid = key.sign()
    header, _, signature = valid.split(".")
    tampered_payload = _b64(
        {**jwt.decode(valid, options={"verify_signature": False}), "role": "admin"}
    )
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "role": "admin",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 900,
        "jti": "x",
    }
    return {
        "expired": key.sign(iat=now - 1000, exp=now - 60),
        "wrong audience": key.sign(aud="somebody-else"),
        "wrong issuer": key.sign(iss="evil-issuer"),
        "missing jti": key.sign(jti=None),
        "tampered payload": f"{header}.{tampered_payload}.{signature}",
        "alg none": f"{_b64({'alg': 'none', 'kid': key.key_id, 'typ': 'JWT'})}.{_b64(claims)}.",
        # The classic confusion: the public key used as an HMAC secret.
        "hs256 with the public key": (
            f"{_b64({'alg': 'HS256', 'kid': key.key_id, 'typ': 'JWT'})}.{_b64(claims)}."
            + base64.urlsafe_b64encode(b"\x00" * 32).rstrip(b"=").decode()
        ),
        "unknown kid": SigningKey("key-unknown").sign(),
        "signed by another key under our kid": SigningKey(key.key_id).sign(),
        "malformed": "not-a-jwt",
        "garbage segments": "a.b.c",
    }


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "wrong audience",
        "wrong issuer",
        "missing jti",
        "tampered payload",
        "alg none",
        "hs256 with the public key",
        "unknown kid",
        "signed by another key under our kid",
        "malformed",
        "garbage segments",
    ],
)
async def test_invalid_token_is_401_problem_with_bearer_challenge(
    client: httpx.AsyncClient, signing_key: SigningKey, case: str
) -> None:
    token = _forged_tokens(signing_key)[case]

    response = await client.get(f"{PREFIX}/whoami", headers=bearer(token))

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_hs256_really_signed_with_the_public_key_is_refused(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    now = int(time.time())
    header = _b64({"alg": "HS256", "kid": signing_key.key_id, "typ": "JWT"})
    payload = _b64(
        {
            "sub": str(uuid.uuid4()),
            "role": "admin",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 900,
            "jti": "x",
        }
    )
    mac = hmac.new(signing_key.public_pem(), f"{header}.{payload}".encode(), hashlib.sha256)
    signature = base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    response = await client.get(
        f"{PREFIX}/whoami", headers=bearer(f"{header}.{payload}.{signature}")
    )

    assert response.status_code == 401


async def test_customer_gets_403_from_admin_endpoint(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    response = await client.get(f"{PREFIX}/admin-only", headers=bearer(signing_key.sign()))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_admin_passes_admin_endpoint(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    token = signing_key.sign(role="admin")

    response = await client.get(f"{PREFIX}/admin-only", headers=bearer(token))

    assert response.status_code == 200


async def test_rotated_key_is_fetched_on_first_sight(
    client: httpx.AsyncClient, key_server: KeyServer, signing_key: SigningKey
) -> None:
    assert (await client.get(f"{PREFIX}/whoami", headers=bearer(signing_key.sign()))).is_success
    rotated = SigningKey("key-2")
    key_server.keys.append(rotated)

    new = await client.get(f"{PREFIX}/whoami", headers=bearer(rotated.sign()))
    old = await client.get(f"{PREFIX}/whoami", headers=bearer(signing_key.sign()))

    assert new.status_code == 200
    assert old.status_code == 200


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_unknown_kids_refetch_at_most_once_per_interval(
    key_server: KeyServer, signing_key: SigningKey
) -> None:
    clock = FakeClock()
    async with key_server.client() as http:
        verifier = TokenVerifier(
            jwks_source=http_jwks_source(http, "/jwks.json"),
            issuer=ISSUER,
            audience=AUDIENCE,
            min_refetch_interval_seconds=10,
            max_age_seconds=900,
            clock=clock,
        )
        await verifier.refresh_keys()
        stranger = SigningKey("key-stranger")
        for _ in range(20):
            with pytest.raises(Exception, match="unknown key"):
                await verifier.verify(stranger.sign())
        assert key_server.fetches == 1

        clock.now += 11
        key_server.keys.append(stranger)
        principal = await verifier.verify(stranger.sign(role="admin"))

    assert principal.is_admin
    assert key_server.fetches == 2


async def test_cached_keys_keep_working_while_users_is_down(
    key_server: KeyServer, signing_key: SigningKey
) -> None:
    clock = FakeClock()
    async with key_server.client() as http:
        verifier = TokenVerifier(
            jwks_source=http_jwks_source(http, "/jwks.json"),
            issuer=ISSUER,
            audience=AUDIENCE,
            min_refetch_interval_seconds=10,
            max_age_seconds=60,
            clock=clock,
        )
        assert await verifier.refresh_keys()
        key_server.down = True
        clock.now += 61  # the cache is stale: a refetch is tried, fails, old keys stay

        principal = await verifier.verify(signing_key.sign())

    assert principal.role == "customer"
    assert key_server.fetches == 2


async def test_users_down_at_start_then_up(
    auth_settings: ServiceSettings, key_server: KeyServer, signing_key: SigningKey
) -> None:
    key_server.down = True
    async with key_server.client() as jwks_http:
        app = build_probe_app(auth_settings, jwks_source=http_jwks_source(jwks_http, "/jwks.json"))
        async with serve(app) as client:
            ready = await client.get(f"{PREFIX}/readyz")
            key_server.down = False
            response = await client.get(f"{PREFIX}/whoami", headers=bearer(signing_key.sign()))

    assert ready.status_code == 200
    assert response.status_code == 200


async def test_a_failed_fetch_is_retried_within_a_second_not_the_full_interval(
    key_server: KeyServer, signing_key: SigningKey
) -> None:
    clock = FakeClock()
    async with key_server.client() as http:
        verifier = TokenVerifier(
            jwks_source=http_jwks_source(http, "/jwks.json"),
            issuer=ISSUER,
            audience=AUDIENCE,
            min_refetch_interval_seconds=10,
            max_age_seconds=900,
            clock=clock,
        )
        key_server.down = True  # users is still starting when this service starts
        assert not await verifier.refresh_keys()
        key_server.down = False

        with pytest.raises(Exception, match="unknown key"):
            await verifier.verify(signing_key.sign())  # too soon: no refetch yet
        clock.now += 1.5
        principal = await verifier.verify(signing_key.sign())

    assert principal.role == "customer"
    assert key_server.fetches == 2
