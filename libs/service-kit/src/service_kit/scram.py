"""SCRAM-SHA-256 secrets for the services' database roles (RFC 5802, RFC 7677).

Postgres and PgBouncer store only the secret (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:
<ServerKey>`), never the password. PgBouncer can log into Postgres with it only when both hold
the very same secret (same salt, same iterations) and the client itself authenticated with
SCRAM, so the secret is made once, here, and handed to both; the service alone gets the
password. Written by hand because it is ten lines of RFC 5802 over hashlib and no maintained
library produces Postgres's storage format.

    python -m service_kit.scram < password-file                 # prints the secret
    python -m service_kit.scram --iterations 1 < random-password-file
"""

import argparse
import base64
import hashlib
import hmac
import secrets
import sys

SCRAM_PREFIX = "SCRAM-SHA-256$"
DEFAULT_ITERATIONS = 4096
# Key stretching makes guessing a human password from a leaked secret slow; it adds nothing
# to a long random one, and the client pays it on every connection (2.3 ms of CPU at 4096
# iterations, docs/architecture.md). So fewer iterations are allowed for long passwords only.
MIN_RANDOM_PASSWORD_LENGTH = 32


def scram_sha256_secret(
    password: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None
) -> str:
    """The secret Postgres would store for `password` (printable ASCII, so SASLprep is a no-op)."""
    if not password or not password.isascii() or not password.isprintable():
        raise ValueError("the password must be non-empty printable ASCII")
    if iterations < 1:
        raise ValueError("iterations must be at least 1")
    if iterations < DEFAULT_ITERATIONS and len(password) < MIN_RANDOM_PASSWORD_LENGTH:
        raise ValueError(
            f"fewer than {DEFAULT_ITERATIONS} iterations need a random password of"
            f" {MIN_RANDOM_PASSWORD_LENGTH}+ characters"
        )
    salt = secrets.token_bytes(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    b64 = base64.b64encode
    return (
        f"{SCRAM_PREFIX}{iterations}:{b64(salt).decode()}"
        f"${b64(stored_key).decode()}:{b64(server_key).decode()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Print the SCRAM-SHA-256 secret of a password.")
    parser.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS)
    args = parser.parse_args()
    password = sys.stdin.readline().rstrip("\n")
    print(scram_sha256_secret(password, iterations=args.iterations))


if __name__ == "__main__":
    main()
