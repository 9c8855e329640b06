"""The three OpenAPI documents against the running shop, through the gateway (Schemathesis).

Every operation of users, catalog and orders is called with generated requests, valid and
invalid, once with an admin's access token and once with a customer's, and every answer is
checked against its document with all of Schemathesis' checks: no server errors, only
documented statuses, media types, headers and bodies, schema-valid requests accepted,
schema-invalid ones refused, 401 without or with a broken token, 405 with `Allow` for an
undocumented method. Nothing here is sent anywhere but this run's own containers.

Bounded, so that it runs in minutes: the examples and coverage phases plus at most
`MAX_EXAMPLES` fuzzed requests per operation, derandomized (a failure repeats on the next
run), without shrinking. How each check is used (docs/api-contract.md):

- `positive_data_acceptance` also accepts 400 and 422, and
  `schema_valid_requests_are_well_formed` (below) takes its place for those: a schema-valid
  request may still break a rule no JSON Schema can state (a product that does not exist, a
  cursor the API did not issue or signed with another key: 400 `invalid-cursor`, a password
  on the common-passwords list, `created_from` after `created_before`), answered by a
  problem of its own code, which the document declares for the operation; it must
  never be refused as malformed (`validation-error`, `bad-request`): that would mean the
  document is looser than the validation.
- The stateful phase is not run (unbounded, and it would fill the shop with whatever it
  chains), so the checks that need it (`use_after_free`, `ensure_resource_availability`,
  `object_level_authorization`) are enabled but see nothing.
"""

from typing import Any

import httpx
import pytest
import schemathesis
import schemathesis.engine
from schemathesis import Case, CheckContext, Response
from schemathesis.engine import Status, events
from schemathesis.schemas import BaseSchema

from e2e_testing.customers import RegisterCustomer
from e2e_testing.stack import Shop
from testing_kit.tokens import bearer

SERVICES = ("users", "catalog", "orders")
ROLES = ("admin", "customer")
MAX_EXAMPLES = 10
# A request whose shape the validation refuses: what no schema-valid request may earn.
MALFORMED = {(422, "validation-error"), (400, "bad-request")}

CONFIG: dict[str, Any] = {
    "generation": {
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "no-shrink": True,
        "database": "none",
    },
    "phases": {"stateful": {"enabled": False}},
    "checks": {
        "enabled": True,
        "positive_data_acceptance": {
            "expected-statuses": [
                "2xx",
                "3xx",
                "400",
                "401",
                "403",
                "404",
                "409",
                "422",
                "429",
                "5xx",
            ]
        },
    },
    "request-timeout": 10,
    # Below the gateway's 100 requests/s per client (deploy/gateway/rate-limits.conf), so
    # that every answer is the service's, not a 429 in its place.
    "rate-limit": "80/s",
}


@schemathesis.check
def schema_valid_requests_are_well_formed(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    """A request the document allows is never refused as malformed."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if case.method.upper() != case.operation.method.upper():
        return None  # an undocumented method: unsupported_method's business
    if response.status_code not in {status for status, _ in MALFORMED}:
        return None
    try:
        code = response.json().get("code")
    except ValueError:
        code = None
    assert (response.status_code, code) not in MALFORMED, (
        f"A schema-valid request was refused as malformed ({response.status_code} {code}): "
        f"the document is looser than the validation.\n{response.text}"
    )
    return True


def _run(schema: BaseSchema) -> tuple[int, list[str]]:
    """Run every phase configured on `schema`: how many requests were checked, and one
    line per unique failure or error."""
    checked = 0
    found: dict[str, None] = {}
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            checked += len(event.recorder.checks)
            if event.status == Status.ERROR:
                found.setdefault(f"{event.label}: error (see the log)")
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        line = f"{failure.operation}: {check.name}: {failure.title}"
                        found.setdefault(
                            f"{line}\n    {failure.message}\n    {check.failure_info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.setdefault(f"error: {event!r}")
    return checked, list(found)


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("role", ROLES)
def test_every_answer_keeps_the_document(
    shop: Shop,
    admin_token: str,
    register_customer: RegisterCustomer,
    service: str,
    role: str,
) -> None:
    token = admin_token if role == "admin" else register_customer().access_token
    config = {**CONFIG, "base-url": shop.gateway_url, "headers": bearer(token)}
    schema = schemathesis.openapi.from_url(
        f"{shop.gateway_url}/api/{service}/openapi.json",
        config=schemathesis.Config.from_dict(config),
    )

    checked, failures = _run(schema)

    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
    # Every operation got its examples, coverage cases and fuzzed requests.
    assert checked >= MAX_EXAMPLES * len(schema.raw_schema["paths"])


def test_the_gateways_own_405_names_the_services_methods(gateway: httpx.Client) -> None:
    # nginx refuses TRACE before any route; the Allow comes from the service behind the path.
    response = gateway.request("TRACE", "/api/catalog/products/some-mug")

    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "method-not-allowed"


def test_trace_does_not_reveal_internal_paths(gateway: httpx.Client) -> None:
    response = gateway.request("TRACE", "/api/catalog/internal/reservations/some-key")

    assert response.status_code == 404
    assert "allow" not in response.headers
