"""Every service runs several replicas behind the one gateway, and each of them does its share.

The whole e2e shop runs SERVICE_REPLICAS replicas of users, catalog and orders (compose.e2e.yml),
so every other suite already passes against replicas: the order journey, the oversell test and
the fault campaign among them. These tests show that every replica takes part: the gateway
spreads requests over all of them (nginx balances over every address Docker's DNS gives for a
name), each catalog and orders replica verifies users' tokens with its own JWKS cache, and each
replica runs its own background jobs. Each replica is read from its own /metrics.
"""

from collections.abc import Callable

import httpx
import pytest

from e2e_testing import Json
from e2e_testing.customers import Customer, RegisterCustomer
from e2e_testing.metrics import metrics_of, sample_sum
from e2e_testing.ordering import ORDERS
from e2e_testing.stack import SERVICE_REPLICAS, Shop
from testing_kit.database_stack import SERVICES
from testing_kit.waiting import eventually_sync

# Requests sent through the gateway to one route: enough that a replica left out by the
# balancing cannot go unnoticed (each request picks one of two replicas: 2 x 2^-40 by chance).
REQUESTS = 40
# The jobs each service runs in every replica (service_kit.background names them).
JOBS = {
    "users": ["refresh-token-pruning"],
    "catalog": ["reservation-sweeper"],
    "orders": ["orders-reconciler", "orders-hold-expiry"],
}
# These run every 0.5 s in the e2e shop (compose.e2e.yml); users prunes hourly, so its one
# round so far is the one every replica runs when it starts.
FREQUENT_JOBS = [
    ("catalog", "reservation-sweeper"),
    ("orders", "orders-reconciler"),
    ("orders", "orders-hold-expiry"),
]
JOBS_PROGRESS_WITHIN_SECONDS = 10.0


def _answered(shop: Shop, service: str, route: str, status: str) -> list[float]:
    """Requests each replica of `service` has answered on `route` with `status`, by replica."""
    return [
        sample_sum(metrics_of(replica), "http_requests_total", route=route, status=status)
        for replica in shop.replicas(service)
    ]


def _job_rounds(shop: Shop, service: str, sample: str, job: str) -> list[float]:
    return [sample_sum(metrics_of(replica), sample, job=job) for replica in shop.replicas(service)]


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_runs_its_replicas_and_every_one_is_healthy(shop: Shop, service: str) -> None:
    replicas = shop.replicas(service)

    assert len(replicas) == SERVICE_REPLICAS
    assert {replica.attrs["State"]["Health"]["Status"] for replica in replicas} == {"healthy"}


def _authenticated_reads(
    service: str, customer: Customer, admin_headers: dict[str, str], product: Json
) -> tuple[str, str, dict[str, str]]:
    """A read that needs a token, on a route no other part of the shop calls: its URL, its
    route template and the token's headers."""
    if service == "users":
        return "/api/users/me", "/api/users/me", customer.headers
    if service == "catalog":
        return (
            f"/api/catalog/products/{product['id']}/stock",
            "/api/catalog/products/{product_id}/stock",
            admin_headers,
        )
    return ORDERS, ORDERS, customer.headers


@pytest.mark.parametrize("service", SERVICES)
def test_the_gateway_spreads_requests_over_every_replica_and_each_verifies_tokens(
    shop: Shop,
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    admin_headers: dict[str, str],
    new_product: Callable[..., Json],
    service: str,
) -> None:
    url, route, headers = _authenticated_reads(
        service, register_customer(), admin_headers, new_product()
    )
    before = _answered(shop, service, route, "200")

    statuses = {gateway.get(url, headers=headers).status_code for _ in range(REQUESTS)}

    after = _answered(shop, service, route, "200")
    served = [now - then for now, then in zip(after, before, strict=True)]
    assert statuses == {200}
    assert sum(served) == REQUESTS  # each request answered once, by one of these replicas
    # Every replica answered some: each one verified the token with the keys it fetched itself.
    assert all(count > 0 for count in served), served


@pytest.mark.parametrize("service", SERVICES)
def test_every_replica_has_run_each_of_its_jobs(shop: Shop, service: str) -> None:
    for job in JOBS[service]:
        rounds = _job_rounds(shop, service, "background_job_rounds_total", job)

        assert all(count >= 1 for count in rounds), (job, rounds)


@pytest.mark.parametrize(("service", "job"), FREQUENT_JOBS)
def test_every_replica_keeps_sweeping_and_reconciling(shop: Shop, service: str, job: str) -> None:
    rounds_before = _job_rounds(shop, service, "background_job_rounds_total", job)
    failures_before = _job_rounds(shop, service, "background_job_failures_total", job)

    def every_replica_completed_another_round() -> bool:
        rounds = _job_rounds(shop, service, "background_job_rounds_total", job)
        return all(now > then for now, then in zip(rounds, rounds_before, strict=True))

    assert eventually_sync(
        every_replica_completed_another_round, within_seconds=JOBS_PROGRESS_WITHIN_SECONDS
    )
    assert _job_rounds(shop, service, "background_job_failures_total", job) == failures_before
