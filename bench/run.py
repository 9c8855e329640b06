"""`make bench`: the shop against the baseline, measured in the same run.

Each scenario is a pair of bounded wrk runs with the same parameters (wrk -t2, connections per
scenario): first the shop through its gateway, then the baseline shop (bench/baseline)
directly. It does so once per variant of the shop's database pooling (NullPool, then a
kept-open pool of 5), recreating users, catalog and orders through compose in between. Around
every run it reads each container's cgroup CPU counter; before the load and after each variant
it counts Postgres client backends and sums the memory of the Postgres processes. It writes
bench/results/latest.md and latest.png (plus timestamped copies) and prints the report.

Usage (the Makefile does all of it: `make bench`, `make bench BENCH_ARGS="--duration 3"`):
    uv run python bench/run.py --gateway-url http://localhost:8080 \\
        --baseline-url http://127.0.0.1:8090 [--duration 10] [--settle 5] \\
        [--variants nullpool,pooled] [--only product-uncached,place-order]
Needs the stack of `make bench` (docker-compose.yml + bench/compose.bench.yml, with
COMPOSE_PROJECT_NAME and the other variables it was started with) and wrk. Only loopback
addresses are accepted as targets. Shop-only scenarios (gateway, liveness, readiness, search,
login: no baseline counterpart) run when --only names them.
"""

import argparse
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from harness import charts, fixtures, measure, report, stack, wrk
from harness.fixtures import Fixture
from harness.report import BenchRun, LoadFor, Measured, Pair, Scenario, Variant

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LOOPBACK = re.compile(r"^http://(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$")

VARIANTS = {
    "nullpool": Variant("NullPool", 0),
    "pooled": Variant("pooled", 5),
}


def _bearer_get(path: str) -> LoadFor:
    return lambda url, f: wrk.Load(
        url + path.format(f=f), "get_bearer.lua", (("BENCH_TOKEN", f.token),)
    )


def _order_post(path: str) -> LoadFor:
    return lambda url, f: wrk.Load(
        url + path, "post_json.lua", (("BENCH_TOKEN", f.token), ("BENCH_BODY", f.order_body))
    )


def _get(path: str) -> LoadFor:
    return lambda url, f: wrk.Load(url + path.format(f=f))


SCENARIOS = [
    Scenario(
        "product-uncached",
        "product by id, uncached",
        "GET one product by id with the customer's bearer token (which a shared cache for "
        "anonymous reads bypasses): one SELECT",
        32,
        shop=_bearer_get("/api/catalog/products/{f.product_id}"),
        baseline=_bearer_get("/products/{f.product_id}"),
    ),
    Scenario(
        "product-cached",
        "product by id, cached",
        "the same GET, anonymous: answered by the gateway's short-lived cache where there is "
        "one (the baseline has none: the same request as uncached)",
        32,
        shop=_get("/api/catalog/products/{f.product_id}"),
        baseline=_get("/products/{f.product_id}"),
    ),
    Scenario(
        "place-order",
        "place an order",
        "POST one line of quantity 1 with a bearer token. Shop: placement saga (orders, "
        "catalog's reservation over HTTP, pending). Baseline: one transaction, SELECT ... FOR "
        "UPDATE, decrement, insert order and line, commit",
        16,
        shop=_order_post("/api/orders/orders"),
        baseline=_order_post("/orders"),
    ),
    Scenario(
        "order-read",
        "order by id",
        "GET the customer's own order with its lines (bearer token)",
        32,
        shop=_bearer_get("/api/orders/orders/{f.order_id}"),
        baseline=_bearer_get("/orders/{f.order_id}"),
    ),
    # Shop only (no baseline counterpart): where the time goes, layer by layer.
    Scenario("gateway", "gateway only", "nginx answers /healthz by itself", 32, _get("/healthz")),
    Scenario(
        "liveness",
        "service liveness",
        "nginx -> uvicorn -> FastAPI, no database",
        32,
        _get("/api/catalog/healthz"),
    ),
    Scenario(
        "readiness",
        "database readiness",
        "one SELECT 1 through PgBouncer",
        32,
        _get("/api/catalog/readyz"),
    ),
    Scenario(
        "search",
        "product search",
        "full-text search (GIN index), first page of 20",
        32,
        _get("/api/catalog/products?q=mug&limit=20"),
    ),
    Scenario(
        "login",
        "login",
        "one Argon2id verification and token issue (4 connections: each is deliberately costly)",
        4,
        lambda url, f: wrk.Load(
            url + "/api/users/auth/login", "post_form.lua", (("BENCH_BODY", f.login_body),)
        ),
    ),
]
DEFAULT_SCENARIOS = [s for s in SCENARIOS if s.baseline is not None]


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway-url", default="http://localhost:8080")
    parser.add_argument("--baseline-url", default="http://127.0.0.1:8090")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--settle", type=int, default=5, help="seconds of pause before each run")
    parser.add_argument("--variants", default="nullpool,pooled", help="nullpool, pooled or both")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated scenarios: "
        + ", ".join(s.key for s in SCENARIOS)
        + " (default: "
        + ", ".join(s.key for s in DEFAULT_SCENARIOS)
        + ")",
    )
    parser.add_argument("--project", default=os.environ.get("COMPOSE_PROJECT_NAME", "shop"))
    args = parser.parse_args()
    for url in (args.gateway_url, args.baseline_url):
        if not LOOPBACK.match(url):
            parser.error(f"benchmarks only target the local stack (loopback), not {url}")
    if not 1 <= args.duration <= 120:
        parser.error("--duration is 1 to 120 seconds: every run stays bounded")
    try:
        args.variant_list = [VARIANTS[name.strip()] for name in args.variants.split(",")]
    except KeyError as error:
        parser.error(f"unknown variant {error}; choose from {', '.join(VARIANTS)}")
    wanted = {key.strip() for key in args.only.split(",") if key.strip()}
    unknown = wanted - {s.key for s in SCENARIOS}
    if unknown:
        parser.error(
            f"unknown scenario {sorted(unknown)}; choose from {[s.key for s in SCENARIOS]}"
        )
    args.scenario_list = [s for s in SCENARIOS if s.key in wanted] if wanted else DEFAULT_SCENARIOS
    return args


def measure_run(
    project: str, load: wrk.Load, *, side: str, connections: int, duration: int
) -> Measured:
    """One wrk run with every container's cgroup CPU counter read before and after it."""
    running = stack.containers(project)
    before = measure.cpu_snapshot(running)
    result = wrk.run(load, connections=connections, duration_seconds=duration)
    after = measure.cpu_snapshot(running)
    cost = measure.cpu_cost(running, before, after, requests=result.requests, side=side)
    return Measured(result, cost)


def measure_pair(
    args: argparse.Namespace, scenario: Scenario, variant: Variant, shop: Fixture, baseline: Fixture
) -> Pair:
    """The shop's run, then the baseline's, each after a pause in which queued requests of the
    previous run drain (so they do not bill this one)."""
    time.sleep(args.settle)
    shop_run = measure_run(
        args.project,
        scenario.shop(args.gateway_url, shop),
        side="shop",
        connections=scenario.connections,
        duration=args.duration,
    )
    baseline_run = None
    if scenario.baseline is not None:
        time.sleep(args.settle)
        baseline_run = measure_run(
            args.project,
            scenario.baseline(args.baseline_url, baseline),
            side="baseline",
            connections=scenario.connections,
            duration=args.duration,
        )
    return Pair(scenario, variant, shop_run, baseline_run)


def record_databases(run: BenchRun, project: str, moment: str) -> None:
    shop_db = stack.service_container(project, "postgres")
    state = measure.database_state(shop_db, user="postgres", database="shop")
    run.databases.append(("shop", moment, state))
    baseline_db = stack.service_container(project, "baseline-postgres")
    state = measure.database_state(baseline_db, user="baseline", database="baseline")
    run.databases.append(("baseline", moment, state))


def current_pool_size(project: str) -> int:
    """DATABASE_POOL_SIZE of the running services (-1 if they disagree)."""
    sizes = {
        stack.service_container(project, service).setting("DATABASE_POOL_SIZE") or "0"
        for service in stack.SERVICES
    }
    return int(sizes.pop()) if len(sizes) == 1 else -1


def switch_variant(
    compose: stack.Compose, gateway: httpx.Client, project: str, pool_size: int
) -> None:
    if current_pool_size(project) == pool_size:
        return
    print(f"recreating {', '.join(stack.SERVICES)} with DATABASE_POOL_SIZE={pool_size}", flush=True)
    compose.recreate_services(pool_size=pool_size)
    stack.wait_for_shop(gateway)


def benchmark(args: argparse.Namespace, run: BenchRun) -> None:
    compose = stack.Compose()
    with (
        httpx.Client(base_url=args.gateway_url, timeout=10) as gateway,
        httpx.Client(base_url=args.baseline_url, timeout=10) as baseline,
    ):
        stack.wait_for_shop(gateway)
        stack.wait_for_baseline(baseline)
        shop_fixture = fixtures.prepare_shop(gateway, args.project)
        baseline_fixture = fixtures.prepare_baseline(baseline, args.project)
        initial_pool_size = current_pool_size(args.project)
        record_databases(run, args.project, "before")
        for variant in args.variant_list:
            switch_variant(compose, gateway, args.project, variant.pool_size)
            for scenario in args.scenario_list:
                pair = measure_pair(args, scenario, variant, shop_fixture, baseline_fixture)
                run.pairs.append(pair)
                print(pair.summary(), flush=True)
            record_databases(run, args.project, f"after {variant.name}")
        run.pool_bounds = measure.pgbouncer_bounds(stack.containers(args.project))
        if initial_pool_size >= 0 and current_pool_size(args.project) != initial_pool_size:
            switch_variant(compose, gateway, args.project, initial_pool_size)
            run.notes.append(
                f"Afterwards the services were put back to DATABASE_POOL_SIZE={initial_pool_size}, "
                "as the stack was started."
            )


def main() -> None:
    args = parse_arguments()
    started = datetime.now(UTC)
    run = BenchRun(
        started=started,
        duration_seconds=args.duration,
        settle_seconds=args.settle,
        gateway_url=args.gateway_url,
        baseline_url=args.baseline_url,
    )
    benchmark(args, run)

    paired = [p for p in run.pairs if p.baseline is not None]
    scenarios = list(dict.fromkeys(p.scenario.name for p in paired))

    def chart(path: Path) -> None:
        charts.throughput_bars(
            path,
            scenarios=scenarios,
            variants=[v.name for v in args.variant_list],
            shop={
                (p.scenario.name, p.variant.name): p.shop.wrk.requests_per_second for p in paired
            },
            baseline={
                (p.scenario.name, p.variant.name): p.baseline.wrk.requests_per_second
                for p in paired
                if p.baseline is not None
            },
            title=f"req/s, wrk -t2, {args.duration} s per run, {started:%Y-%m-%d %H:%M} UTC "
            "(shared 2-core machine: compare bars of one group)",
        )

    path = report.write(
        RESULTS_DIR,
        latest="latest",
        prefix="report",
        started=started,
        render=lambda png: report.markdown(run, png if scenarios else None),
        chart=chart if scenarios else None,
    )
    print(report.markdown(run, "latest.png" if scenarios else None))
    print(f"written to {path.relative_to(RESULTS_DIR.parent.parent)} and bench/results/latest.*")


if __name__ == "__main__":
    try:
        main()
    except (TimeoutError, LookupError, RuntimeError) as error:
        sys.exit(f"bench: {error}")
