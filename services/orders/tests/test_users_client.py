"""Orders' client of users when users fails, and its cache of contacts.

Users is the fake at the HTTP boundary (orders_testing/fake_users.py), which fails on cue;
the cache's clock is the test's, so its expiry is moved, never waited for.
"""

import time
import uuid
from collections.abc import AsyncIterator

import pytest

from orders.settings import OrdersSettings
from orders.users_client.client import UsersClient, create_users_client
from orders.users_client.errors import UsersUnreachable
from orders_testing.fake_users import FakeUsers, FaultKind

TTL_SECONDS = 60.0


class Clock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def users(
    settings: OrdersSettings, fake_users: FakeUsers, clock: Clock
) -> AsyncIterator[UsersClient]:
    client = create_users_client(
        settings.model_copy(update={"users_contacts_cache_ttl_seconds": TTL_SECONDS}),
        transport=fake_users.transport,
        clock=clock,
    )
    yield client
    await client.aclose()


@pytest.mark.parametrize("fault", ["refuse", "timeout", "server-error", "garbage"])
async def test_users_down_is_unreachable(
    users: UsersClient, fake_users: FakeUsers, fault: FaultKind
) -> None:
    fake_users.down = fault

    with pytest.raises(UsersUnreachable):
        await users.contacts([fake_users.add_account()])


async def test_users_that_never_answers_is_unreachable_by_the_deadline(
    users: UsersClient, fake_users: FakeUsers, settings: OrdersSettings
) -> None:
    fake_users.down = "hang"
    started = time.monotonic()

    with pytest.raises(UsersUnreachable):
        await users.contacts([fake_users.add_account()])

    assert time.monotonic() - started < settings.users_call_deadline_seconds + 1.0


@pytest.mark.parametrize("fault", ["refuse", "timeout", "server-error"])
async def test_one_transient_failure_is_retried(
    users: UsersClient, fake_users: FakeUsers, fault: FaultKind
) -> None:
    ada = fake_users.add_account("ada")
    fake_users.faults = [fault]

    contacts = await users.contacts([ada])

    assert contacts[ada].username == "ada"


async def test_a_cached_contact_is_answered_without_asking_users(
    users: UsersClient, fake_users: FakeUsers
) -> None:
    ada = fake_users.add_account("ada")
    await users.contacts([ada])
    fake_users.down = "refuse"

    contacts = await users.contacts([ada])

    assert contacts[ada].username == "ada"
    assert fake_users.lookups == [[ada]]


async def test_only_the_ids_not_cached_are_asked(users: UsersClient, fake_users: FakeUsers) -> None:
    ada, bob = fake_users.add_account("ada"), fake_users.add_account("bob")
    await users.contacts([ada])

    contacts = await users.contacts([ada, bob])

    assert {contact.username for contact in contacts.values()} == {"ada", "bob"}
    assert fake_users.lookups == [[ada], [bob]]


async def test_an_id_without_an_account_is_cached_as_absent(
    users: UsersClient, fake_users: FakeUsers
) -> None:
    stranger = uuid.uuid4()
    assert await users.contacts([stranger]) == {}

    assert await users.contacts([stranger]) == {}
    assert fake_users.lookups == [[stranger]]


async def test_a_contact_is_asked_again_once_its_time_is_up(
    users: UsersClient, fake_users: FakeUsers, clock: Clock
) -> None:
    ada = fake_users.add_account("ada", "ada@example.com")
    await users.contacts([ada])
    fake_users.accounts[ada].email = "ada@example.org"

    clock.now += TTL_SECONDS - 1
    still_cached = await users.contacts([ada])
    clock.now += 1
    asked_again = await users.contacts([ada])

    assert still_cached[ada].email == "ada@example.com"
    assert asked_again[ada].email == "ada@example.org"
    assert fake_users.lookups == [[ada], [ada]]


async def test_a_failed_lookup_caches_nothing(users: UsersClient, fake_users: FakeUsers) -> None:
    ada = fake_users.add_account("ada")
    fake_users.down = "refuse"
    with pytest.raises(UsersUnreachable):
        await users.contacts([ada])
    fake_users.down = None

    contacts = await users.contacts([ada])

    assert contacts[ada].username == "ada"


async def test_the_cache_holds_at_most_its_size(
    settings: OrdersSettings, fake_users: FakeUsers, clock: Clock
) -> None:
    users = create_users_client(
        settings.model_copy(update={"users_contacts_cache_size": 2}),
        transport=fake_users.transport,
        clock=clock,
    )
    first, *others = [fake_users.add_account() for _ in range(3)]
    try:
        await users.contacts([first])
        await users.contacts(others)
        await users.contacts([first])
    finally:
        await users.aclose()

    assert fake_users.lookups[-1] == [first]
