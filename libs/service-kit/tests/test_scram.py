"""SCRAM secrets: the format Postgres and PgBouncer store, and the refusal of weak combinations.

That Postgres and PgBouncer accept these secrets is proven by every test that connects: the
test stack's roles are set up with them.
"""

import base64
import hashlib
import hmac

import pytest

from service_kit.scram import scram_sha256_secret

RANDOM_PASSWORD = "Jx4mQ2vT8rW1zK9pL3nB6yH0cF5sD7gA"  # 32 characters


def test_secret_has_postgres_storage_format_and_rfc5802_keys() -> None:
    salt = b"0123456789abcdef"

    secret = scram_sha256_secret(RANDOM_PASSWORD, iterations=1, salt=salt)

    method, iterations_salt, keys = secret.split("$")
    iterations, encoded_salt = iterations_salt.split(":")
    stored_key, server_key = (base64.b64decode(key) for key in keys.split(":"))
    salted = hashlib.pbkdf2_hmac("sha256", RANDOM_PASSWORD.encode(), salt, 1)
    assert (method, iterations, base64.b64decode(encoded_salt)) == ("SCRAM-SHA-256", "1", salt)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    assert stored_key == hashlib.sha256(client_key).digest()
    assert server_key == hmac.digest(salted, b"Server Key", "sha256")


def test_each_secret_gets_its_own_salt() -> None:
    assert scram_sha256_secret(RANDOM_PASSWORD) != scram_sha256_secret(RANDOM_PASSWORD)


def test_few_iterations_are_refused_for_a_short_password() -> None:
    with pytest.raises(ValueError, match="random password"):
        scram_sha256_secret("correct horse battery", iterations=1)

    assert scram_sha256_secret("correct horse battery").startswith("SCRAM-SHA-256$4096:")


@pytest.mark.parametrize("password", ["", "pässwörd-" * 4, "tab\tinside-" * 3])
def test_passwords_that_would_need_saslprep_are_refused(password: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        scram_sha256_secret(password)
