"""What the auth endpoints need from the app, built once from the settings."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from service_kit.bulkhead import Bulkhead
from service_kit.database import Database
from users.auth.errors import RefreshBusy
from users.auth.keys import KeyRing, load_key_ring
from users.auth.passwords import PasswordHasher
from users.auth.tokens import TokenIssuer
from users.settings import UsersSettings


def password_hasher_from(settings: UsersSettings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.password_hash_time_cost,
        memory_kib=settings.password_hash_memory_kib,
        parallelism=settings.password_hash_parallelism,
        concurrency=settings.password_hash_concurrency,
        queue_limit=settings.password_hash_queue_limit,
    )


@dataclass(frozen=True)
class Credentials:
    """The key ring, the token issuer, the password hasher and the refresh bulkhead of one
    service process."""

    key_ring: KeyRing
    token_issuer: TokenIssuer
    password_hasher: PasswordHasher
    # Turns at the database for refreshes and logouts (service_kit.bulkhead).
    refresh_turns: Bulkhead

    @classmethod
    def from_settings(cls, settings: UsersSettings) -> "Credentials":
        """Raises SigningKeyError when no usable signing key is configured."""
        key_ring = load_key_ring(settings)
        return cls(
            key_ring=key_ring,
            token_issuer=TokenIssuer(
                key_ring=key_ring,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                access_token_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
                refresh_token_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
                refresh_token_absolute_lifetime=timedelta(
                    seconds=settings.refresh_token_absolute_lifetime_seconds
                ),
            ),
            password_hasher=password_hasher_from(settings),
            refresh_turns=Bulkhead(
                concurrency=settings.refresh_concurrency,
                queue_limit=settings.refresh_queue_limit,
                busy=RefreshBusy,
            ),
        )


def _credentials(request: Request) -> Credentials:
    credentials: Credentials = request.app.state.credentials
    return credentials


async def _key_ring(request: Request) -> KeyRing:
    return _credentials(request).key_ring


async def _token_issuer(request: Request) -> TokenIssuer:
    return _credentials(request).token_issuer


async def _password_hasher(request: Request) -> PasswordHasher:
    return _credentials(request).password_hasher


async def _refresh_turns(request: Request) -> Bulkhead:
    return _credentials(request).refresh_turns


async def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


# `async def` above: FastAPI runs a plain `def` dependency in a worker thread, a hand-off per
# request for an attribute lookup.
KeyRingDep = Annotated[KeyRing, Depends(_key_ring)]
TokenIssuerDep = Annotated[TokenIssuer, Depends(_token_issuer)]
PasswordHasherDep = Annotated[PasswordHasher, Depends(_password_hasher)]
RefreshTurnsDep = Annotated[Bulkhead, Depends(_refresh_turns)]
DatabaseDep = Annotated[Database, Depends(_database)]
