"""Signing keys: where they come from, how they are published, and rotation without logout."""

import stat
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import SecretStr

from testing_kit.fixtures import serve
from testing_kit.tokens import bearer
from users.keys.key_ring import (
    SigningKeyError,
    key_id,
    load_key_ring,
    private_key_pem,
    public_key_pem,
)
from users.main import create_app
from users.settings import UsersSettings
from users_testing import API
from users_testing.accounts import NewAccount


def _new_key_pem() -> SecretStr:
    return SecretStr(private_key_pem(Ed25519PrivateKey.generate()).decode())


def _unconfigured(settings: UsersSettings, **update: object) -> UsersSettings:
    return settings.model_copy(update={"jwt_private_key": None, **update})


async def test_jwks_publishes_the_signing_key(
    client: httpx.AsyncClient, new_account: NewAccount, signing_key_pem: str
) -> None:
    account = await new_account()
    signing_key = serialization.load_pem_private_key(signing_key_pem.encode(), password=None)
    assert isinstance(signing_key, Ed25519PrivateKey)

    response = await client.get(f"{API}/.well-known/jwks.json")

    assert response.status_code == 200
    [jwk] = response.json()["keys"]
    assert jwk["kty"] == "OKP"
    assert jwk["crv"] == "Ed25519"
    assert jwk["alg"] == "EdDSA"
    assert jwk["use"] == "sig"
    assert jwk["kid"] == key_id(signing_key.public_key())
    assert jwt.get_unverified_header(account.access_token)["kid"] == jwk["kid"]
    assert "d" not in jwk


def test_key_id_is_the_rfc_7638_thumbprint() -> None:
    # The Ed25519 example of RFC 8037, appendix A.3.
    public_key = Ed25519PublicKey.from_public_bytes(
        bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    )

    assert key_id(public_key) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


async def test_a_rotated_key_keeps_its_tokens_and_logins_valid(
    client: httpx.AsyncClient, new_account: NewAccount, settings: UsersSettings
) -> None:
    account = await new_account()  # signed with the old key
    old_key = load_key_ring(settings).signing_key
    rotated = settings.model_copy(
        update={
            "jwt_private_key": _new_key_pem(),
            "jwt_additional_public_keys": public_key_pem(old_key.public_key()).decode(),
        }
    )

    async with serve(create_app(rotated)) as after_rotation:
        kids = [
            key["kid"]
            for key in (await after_rotation.get(f"{API}/.well-known/jwks.json")).json()["keys"]
        ]
        me = await after_rotation.get(f"{API}/me", headers=account.headers)
        refreshed = await after_rotation.post(
            f"{API}/auth/refresh", json={"refresh_token": account.refresh_token}
        )

    assert kids == [load_key_ring(rotated).signing_key_id, key_id(old_key.public_key())]
    assert me.status_code == 200
    assert refreshed.status_code == 200
    new_token = refreshed.json()["access_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == kids[0]


async def test_a_key_no_longer_published_no_longer_verifies(
    client: httpx.AsyncClient, new_account: NewAccount, settings: UsersSettings
) -> None:
    account = await new_account()
    replaced = settings.model_copy(update={"jwt_private_key": _new_key_pem()})

    async with serve(create_app(replaced)) as after_rotation:
        me = await after_rotation.get(f"{API}/me", headers=bearer(account.access_token))

    assert me.status_code == 401


def test_several_additional_keys_are_published_from_a_file(
    settings: UsersSettings, tmp_path: Path
) -> None:
    extra = [Ed25519PrivateKey.generate().public_key() for _ in range(2)]
    bundle = tmp_path / "previous-keys.pem"
    bundle.write_bytes(b"".join(public_key_pem(key) for key in extra))

    ring = load_key_ring(settings.model_copy(update={"jwt_additional_public_keys_file": bundle}))

    assert [jwk["kid"] for jwk in ring.jwks()["keys"]][1:] == [key_id(key) for key in extra]


def test_a_pem_with_escaped_newlines_is_accepted(settings: UsersSettings) -> None:
    key = Ed25519PrivateKey.generate()
    one_line = private_key_pem(key).decode().replace("\n", "\\n")

    ring = load_key_ring(settings.model_copy(update={"jwt_private_key": SecretStr(one_line)}))

    assert ring.signing_key_id == key_id(key.public_key())


@pytest.mark.parametrize("environment", ["test", "production"])
def test_outside_development_a_missing_key_stops_the_start(
    settings: UsersSettings, environment: str
) -> None:
    with pytest.raises(SigningKeyError, match="JWT_PRIVATE_KEY"):
        create_app(_unconfigured(settings, environment=environment))


def test_outside_development_a_missing_key_file_stops_the_start(
    settings: UsersSettings, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.pem"

    with pytest.raises(SigningKeyError, match="cannot be read"):
        load_key_ring(_unconfigured(settings, jwt_private_key_file=missing))
    assert not missing.exists()


def test_development_generates_the_key_file_once(settings: UsersSettings, tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "signing-key.pem"
    development = _unconfigured(settings, environment="development", jwt_private_key_file=key_file)

    first = load_key_ring(development)
    second = load_key_ring(development)

    assert first.signing_key_id == second.signing_key_id
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert list(key_file.parent.iterdir()) == [key_file]


def test_a_key_file_is_read(settings: UsersSettings, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    key_file = tmp_path / "signing-key.pem"
    key_file.write_bytes(private_key_pem(key))

    ring = load_key_ring(_unconfigured(settings, jwt_private_key_file=key_file))

    assert ring.signing_key_id == key_id(key.public_key())


def test_an_rsa_key_is_refused(settings: UsersSettings) -> None:
    rsa_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )

    with pytest.raises(SigningKeyError, match="Ed25519"):
        load_key_ring(settings.model_copy(update={"jwt_private_key": SecretStr(rsa_pem)}))


def test_a_broken_key_is_refused_without_quoting_it(settings: UsersSettings) -> None:
    garbage = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0IG1hdGVyaWFs\n-----END PRIVATE KEY-----"

    with pytest.raises(SigningKeyError) as raised:
        load_key_ring(settings.model_copy(update={"jwt_private_key": SecretStr(garbage)}))

    assert "c2VjcmV0IG1hdGVyaWFs" not in str(raised.value)
    assert raised.value.__cause__ is None


def test_additional_keys_without_a_public_key_are_refused(settings: UsersSettings) -> None:
    with pytest.raises(SigningKeyError, match="no PEM public key"):
        load_key_ring(
            settings.model_copy(update={"jwt_additional_public_keys": "not a key at all"})
        )
