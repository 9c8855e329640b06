"""The signing key and the public keys published next to it (JWKS).

Ed25519 (EdDSA): small keys, fast deterministic signatures, no parameters to get wrong. The
key id is the RFC 7638 thumbprint of the public key, so it is stable, needs no bookkeeping
and is the same wherever the key is loaded. Several public keys can be published at once:
the key that signs now, plus the previous one while tokens it signed are still alive (and
the next one before it starts signing), so a key is rotated without logging anyone out.
"""

import base64
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from users.settings import UsersSettings

logger = logging.getLogger(__name__)

_PUBLIC_KEY_PEM = re.compile(
    r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", flags=re.DOTALL
)


class SigningKeyError(RuntimeError):
    """The key configuration is missing or unusable; the service refuses to start."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _raw_public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint: SHA-256 over the required members in lexicographic order."""
    required = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(_raw_public_bytes(key))}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(_raw_public_bytes(key)),
        "kid": key_id(key),
        "alg": "EdDSA",
        "use": "sig",
    }


class KeyRing:
    """The private key that signs access tokens and every public key that verifies them."""

    def __init__(
        self,
        signing_key: Ed25519PrivateKey,
        additional_public_keys: Sequence[Ed25519PublicKey] = (),
    ) -> None:
        self.signing_key = signing_key
        self.signing_key_id = key_id(signing_key.public_key())
        published: dict[str, Ed25519PublicKey] = {self.signing_key_id: signing_key.public_key()}
        for public_key in additional_public_keys:
            published.setdefault(key_id(public_key), public_key)
        self._published = published

    def jwks(self) -> dict[str, Any]:
        """The JWKS document: the signing key's public key first."""
        return {"keys": [public_jwk(key) for key in self._published.values()]}

    async def jwks_source(self) -> dict[str, Any]:
        """For service_kit's token verifier: users verifies its own tokens without HTTP."""
        return self.jwks()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _pem_text(value: str) -> bytes:
    # An env var often carries a PEM on one line, with literal "\n" for its line breaks.
    return value.replace("\\n", "\n").strip().encode("ascii")


def parse_private_key(pem: bytes, *, source: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        # Never the key material itself in the message.
        raise SigningKeyError(
            f"{source} is not an unencrypted PEM private key ({type(error).__name__})"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(
            f"{source} must be an Ed25519 key (openssl genpkey -algorithm ed25519), "
            f"not {type(key).__name__}"
        )
    return key


def parse_public_keys(text: str, *, source: str) -> list[Ed25519PublicKey]:
    """Every `PUBLIC KEY` PEM block in the text, each of which must be Ed25519."""
    blocks = _PUBLIC_KEY_PEM.findall(text.replace("\\n", "\n"))
    if not blocks and text.strip():
        raise SigningKeyError(f"{source} holds no PEM public key (-----BEGIN PUBLIC KEY-----)")
    keys: list[Ed25519PublicKey] = []
    for number, block in enumerate(blocks, start=1):
        try:
            key = serialization.load_pem_public_key(block.encode("ascii"))
        except (ValueError, UnsupportedAlgorithm):
            raise SigningKeyError(f"{source}: key {number} is not a valid PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyError(f"{source}: key {number} must be an Ed25519 public key")
        keys.append(key)
    return keys


def _read(path: Path, *, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise SigningKeyError(f"{setting}={path} cannot be read ({error.strerror})") from None


def _generate_key_file(path: Path) -> Ed25519PrivateKey:
    """A new key, published only if the file does not exist yet (replicas may race to it).

    Written to a private temporary file first and then hard-linked into place, which fails
    when the name exists: nobody ever reads a half-written key, and the first one wins.
    """
    key = Ed25519PrivateKey.generate()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".signing-key-")
        try:
            with os.fdopen(descriptor, "wb") as file:  # mkstemp files are mode 0600
                file.write(private_key_pem(key))
            os.link(temporary, path)
        finally:
            os.unlink(temporary)
    except FileExistsError:
        return parse_private_key(_read(path, setting="JWT_PRIVATE_KEY_FILE"), source=str(path))
    except OSError as error:
        raise SigningKeyError(
            f"cannot create the development signing key {path} ({error.strerror})"
        ) from None
    logger.warning("generated a development signing key", extra={"path": str(path)})
    return key


def _signing_key(settings: UsersSettings) -> Ed25519PrivateKey:
    development = settings.environment == "development"
    if settings.jwt_private_key is not None:
        return parse_private_key(
            _pem_text(settings.jwt_private_key.get_secret_value()), source="JWT_PRIVATE_KEY"
        )
    path = settings.jwt_private_key_file
    if path is not None:
        if path.exists() or not development:
            return parse_private_key(
                _read(path, setting="JWT_PRIVATE_KEY_FILE"), source="JWT_PRIVATE_KEY_FILE"
            )
        return _generate_key_file(path)
    if development:
        logger.warning(
            "no JWT_PRIVATE_KEY(_FILE): signing with a key that lives as long as this process"
        )
        return Ed25519PrivateKey.generate()
    raise SigningKeyError(
        f"ENVIRONMENT={settings.environment} needs a signing key: set JWT_PRIVATE_KEY (PEM) or "
        "JWT_PRIVATE_KEY_FILE (a mounted PEM file) to an Ed25519 private key"
    )


def load_key_ring(settings: UsersSettings) -> KeyRing:
    """The key ring the settings describe; raises SigningKeyError when they describe none."""
    signing_key = _signing_key(settings)
    additional: list[Ed25519PublicKey] = []
    if settings.jwt_additional_public_keys is not None:
        additional += parse_public_keys(
            settings.jwt_additional_public_keys, source="JWT_ADDITIONAL_PUBLIC_KEYS"
        )
    if settings.jwt_additional_public_keys_file is not None:
        path = settings.jwt_additional_public_keys_file
        additional += parse_public_keys(
            _read(path, setting="JWT_ADDITIONAL_PUBLIC_KEYS_FILE").decode("ascii", "replace"),
            source="JWT_ADDITIONAL_PUBLIC_KEYS_FILE",
        )
    ring = KeyRing(signing_key, additional)
    logger.info(
        "signing keys loaded",
        extra={"signing_key_id": ring.signing_key_id, "published_keys": len(ring.jwks()["keys"])},
    )
    return ring
