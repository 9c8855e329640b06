"""`make bench`: load the running shop through its gateway with wrk and write a report.

Each scenario is one wrk run (fixed threads, connections and duration: bounded by design)
against the gateway on loopback; the report gives requests/s, latency percentiles and the
share of non-2xx answers, plus the settings, so a figure can always be reproduced.

Usage: python bench/run.py [--base-url http://localhost:8080] [--duration 10] ...
Needs the stack from `make bench` (rate limits lifted) and wrk on the PATH.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
ADMIN_PASSWORD = "bench-admin-" + uuid.uuid4().hex[:12]
SETTLE_SECONDS = 5


@dataclass
class Scenario:
    name: str
    path: str
    what: str
    lua: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    # Fewer connections where each request is deliberately expensive (Argon2id at login).
    connections: int | None = None


@dataclass
class Result:
    scenario: Scenario
    requests_per_second: float
    latency_ms: dict[str, float]
    requests: int
    non_2xx: int
    errors: str


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        raise ValueError(f"wrk output has no {pattern!r}:\n{text}")
    return match.group(1)


def _ms(value: str) -> float:
    number, unit = _find(r"^([\d.]+)(?:us|ms|s|m)$", value), value.lstrip("0123456789.")
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(base_url: str, scenario: Scenario, args: argparse.Namespace) -> Result:
    connections = scenario.connections or args.connections
    command = [
        "wrk",
        f"-t{min(args.threads, connections)}",
        f"-c{connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    if scenario.lua:
        command += ["-s", str(BENCH_DIR / "lua" / scenario.lua)]
    command.append(base_url + scenario.path)
    output = subprocess.run(  # noqa: S603  (our own fixed wrk command line)
        command,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **scenario.env},
        timeout=args.duration + 30,
    ).stdout
    latency = {
        percentile: _ms(value)
        for percentile, value in re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    return Result(
        scenario=scenario,
        requests_per_second=float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        latency_ms=latency,
        requests=int(_find(r"(\d+) requests in", output)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=errors.group(1) if errors else "none",
    )


def wait_until_ready(client: httpx.Client) -> None:
    deadline = time.monotonic() + 120
    for service in ("users", "catalog", "orders"):
        while client.get(f"/api/{service}/readyz").status_code != 200:
            if time.monotonic() > deadline:
                sys.exit(f"{service} is not ready; is the stack from `make bench` up?")
            time.sleep(0.5)


def _docker(*arguments: str, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(  # noqa: S603  (the local docker CLI, fixed arguments)
        ["docker", *arguments],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return completed.stdout


def _users_container(project: str) -> str:
    found = _docker(
        "ps",
        "-q",
        "--filter",
        f"label=com.docker.compose.project={project}",
        "--filter",
        "label=com.docker.compose.service=users",
    ).split()
    if not found:
        sys.exit(f"no users container in compose project {project!r}")
    return found[0]


def prepare_shop(client: httpx.Client, project: str) -> dict[str, str]:
    """An admin, a customer and a product with stock enough for every order wrk will place."""
    suffix = uuid.uuid4().hex[:8]
    admin = f"bench_admin_{suffix}"
    _docker(
        "exec",
        "-e",
        "ADMIN_PASSWORD",  # the value comes from our environment, never from argv
        _users_container(project),
        "python",
        "-m",
        "users.cli",
        "create-admin",
        "--email",
        f"{admin}@example.com",
        "--username",
        admin,
        env={"ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    admin_headers = {"Authorization": "Bearer " + _login(client, admin, ADMIN_PASSWORD)}
    customer, password = f"bench_{suffix}", f"bench password {suffix}"
    client.post(
        "/api/users/auth/register",
        json={"email": f"{customer}@example.com", "username": customer, "password": password},
    ).raise_for_status()
    category = client.post(
        "/api/catalog/categories", json={"name": f"Bench {suffix}"}, headers=admin_headers
    )
    category.raise_for_status()
    product = client.post(
        "/api/catalog/products",
        json={
            "name": f"Bench mug {suffix}",
            "sku": f"BENCH-{suffix}",
            "price": "12.50",
            "description": "A mug for benchmarks.",
            "category_id": category.json()["id"],
            "stock": 1_000_000,
        },
        headers=admin_headers,
    )
    product.raise_for_status()
    return {
        "product_id": product.json()["id"],
        "product_slug": product.json()["slug"],
        "customer": customer,
        "password": password,
        "customer_token": _login(client, customer, password),
    }


def _login(client: httpx.Client, username: str, password: str) -> str:
    response = client.post(
        "/api/users/auth/login", data={"username": username, "password": password}
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def memory_table(project: str) -> str:
    """Resident memory of each container after the load (docker stats, one sample)."""
    rows = _docker(
        "stats",
        "--no-stream",
        "--format",
        "{{.Name}}\t{{.MemUsage}}\t{{.CPUPerc}}",
        *_docker("ps", "-q", "--filter", f"label=com.docker.compose.project={project}").split(),
    ).splitlines()
    lines = [
        "",
        "Memory after the load (`docker stats`, one sample):",
        "",
        "| container | memory | CPU now |",
        "|---|---|---:|",
    ]
    for row in sorted(rows):
        name, memory, cpu = row.split("\t")
        lines.append(f"| {name} | {memory.split(' / ')[0]} | {cpu} |")
    return "\n".join(lines) + "\n"


def report(results: list[Result], args: argparse.Namespace, notes: list[str]) -> str:
    lines = [
        f"# Benchmark report, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"wrk, {args.threads} threads, {args.connections} connections, {args.duration} s per "
        f"scenario, against the gateway at {args.base_url} (gateway rate limits lifted by "
        "bench/compose.bench.yml). One container per service, one uvicorn worker each; "
        f"{os.cpu_count()} CPUs shared by the load generator and the whole stack; "
        f"DATABASE_POOL_SIZE={os.environ.get('DATABASE_POOL_SIZE', '0')} (0: NullPool).",
        "",
        "| scenario | what it exercises | conns | req/s | p50 ms | p90 ms | p99 ms | requests "
        "| non-2xx |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.scenario.name} | {r.scenario.what} | "
            f"{r.scenario.connections or args.connections} | {r.requests_per_second:,.1f} | "
            f"{r.latency_ms.get('50', float('nan')):.1f} | "
            f"{r.latency_ms.get('90', float('nan')):.1f} | "
            f"{r.latency_ms.get('99', float('nan')):.1f} | {r.requests:,} | {r.non_2xx} |"
        )
    lines += ["", *notes, ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://localhost:8080")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--project", default=os.environ.get("COMPOSE_PROJECT_NAME", "shop"))
    parser.add_argument(
        "--only", default="", help="comma-separated scenario names to run (default: all)"
    )
    args = parser.parse_args()
    if not re.match(r"^http://(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$", args.base_url):
        sys.exit("benchmarks only target the local stack (loopback)")

    with httpx.Client(base_url=args.base_url, timeout=10) as client:
        wait_until_ready(client)
        scenarios = [
            Scenario("gateway only", "/healthz", "nginx answers by itself"),
            Scenario("service liveness", "/api/catalog/healthz", "nginx -> uvicorn -> FastAPI"),
            Scenario(
                "database readiness",
                "/api/catalog/readyz",
                "one SELECT 1 through PgBouncer",
            ),
        ]
        shop = prepare_shop(client, args.project)
        order = json.dumps({"lines": [{"product_id": shop["product_id"], "quantity": 1}]})
        scenarios += [
            Scenario(
                "product detail",
                f"/api/catalog/products/{shop['product_slug']}",
                "one product by slug: one SELECT",
            ),
            Scenario(
                "product search",
                "/api/catalog/products?q=mug&limit=20",
                "full-text search (GIN index), first page of 20",
            ),
            Scenario(
                "login",
                "/api/users/auth/login",
                "one Argon2id verification (64 MiB, t=3, p=4) and token issue",
                lua="post_form.lua",
                env={
                    "BENCH_BODY": f"username={shop['customer']}&password="
                    + shop["password"].replace(" ", "+")
                },
                connections=4,
            ),
            Scenario(
                "place order",
                "/api/orders/orders",
                "saga: placeholder, reserve in catalog over HTTP, snapshot, pending",
                lua="post_json.lua",
                env={"BENCH_TOKEN": shop["customer_token"], "BENCH_BODY": order},
            ),
        ]
        notes: list[str] = [
            "Every scenario's requests are real work: the order scenario places (and reserves "
            "stock for) one new order per request.",
        ]

    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        scenarios = [scenario for scenario in scenarios if scenario.name in wanted]
    results = []
    for scenario in scenarios:
        # Let the previous scenario's queued requests drain so it does not bill this one.
        time.sleep(SETTLE_SECONDS)
        results.append(run_wrk(args.base_url, scenario, args))
    text = report(results, args, notes) + memory_table(args.project)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"report-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.md"
    path.write_text(text)
    (RESULTS_DIR / "latest.md").write_text(text)
    print(text)
    print(f"written to {path.relative_to(BENCH_DIR.parent)}")


if __name__ == "__main__":
    main()
