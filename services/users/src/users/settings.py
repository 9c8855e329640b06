from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from service_kit.internal_api import InternalApiSettings

API_PREFIX = "/api/users"


class UsersSettings(InternalApiSettings):
    # The signing key (Ed25519, PEM). JWT_PRIVATE_KEY wins over JWT_PRIVATE_KEY_FILE. In
    # development a missing file is created with a fresh key; elsewhere a missing key stops
    # the service at start-up.
    jwt_private_key: SecretStr | None = None
    jwt_private_key_file: Path | None = None
    # Public keys published next to the signing key's (PEM, one or more blocks): the previous
    # key while its tokens are still alive, or the next one before it starts signing.
    jwt_additional_public_keys: str | None = None
    jwt_additional_public_keys_file: Path | None = None

    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    # Sliding: each refresh issues a token valid this long from then on...
    refresh_token_ttl_seconds: int = Field(default=14 * 86_400, ge=300, le=365 * 86_400)
    # ...but never beyond this long after the login itself: a stolen refresh token that its
    # thief keeps refreshing still dies, and so does a session nobody ever ends. Counted from
    # the login's start with the value configured now, so lowering it ends older logins at
    # their next refresh.
    refresh_token_absolute_lifetime_seconds: int = Field(
        default=30 * 86_400, ge=300, le=365 * 86_400
    )
    # Expired tokens and ended logins are deleted this long after they ended, every interval.
    refresh_token_retention_seconds: int = Field(default=86_400, ge=0, le=365 * 86_400)
    refresh_token_prune_interval_seconds: float = Field(default=3600, gt=0, le=86_400)

    # Refreshes and logouts that use the database at once; more wait for a turn, and beyond
    # the queue limit are answered 503 with Retry-After. Anyone can send these with a made-up
    # token, so their database work is bounded apart from everything else: a flood of them
    # then delays a login by a few of them, not by all of them (docs/auth.md, "Floods").
    refresh_concurrency: int = Field(default=4, ge=1, le=64)
    refresh_queue_limit: int = Field(default=200, ge=0, le=10_000)

    # Argon2id cost: RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes), also
    # argon2-cffi's default. Changing them rehashes each password at its owner's next login.
    password_hash_time_cost: int = Field(default=3, ge=1, le=20)
    password_hash_memory_kib: int = Field(default=64 * 1024, ge=8 * 1024, le=1024 * 1024)
    password_hash_parallelism: int = Field(default=4, ge=1, le=16)
    # Hashes computed at once; each holds password_hash_memory_kib of memory while it runs.
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    # Hashes that may wait for one of those slots. Beyond that a login, registration or
    # password change is answered at once with 503 and Retry-After: a flood of slow logins
    # can then delay a real one by at most this many hashes, never without end.
    password_hash_queue_limit: int = Field(default=8, ge=0, le=1024)

    @field_validator(
        "jwt_private_key",
        "jwt_private_key_file",
        "jwt_additional_public_keys",
        "jwt_additional_public_keys_file",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # Compose passes `${VAR:-}` as an empty string when the variable is not set.
        if isinstance(value, str) and not value.strip():
            return None
        return value
