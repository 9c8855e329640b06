"""`make soak`: does the database side stay flat under steady load, and bounded under a burst?

1. Steady mixed load through the gateway for --minutes (default 10): product reads (with a
   bearer token, so they reach catalog and Postgres) and order placements, two wrk processes
   side by side. Every --interval seconds (default 15) it samples the Postgres client backend
   count and the summed RSS (and PSS) of the Postgres processes. Flat means the mean of the
   last third of the samples is within 10 % of the first third's.
2. A burst: 1,000 concurrent clients (wrk -c1000 -d10s) on product reads, while a background
   thread samples the client backend count as fast as `psql` answers; the maximum seen is set
   against the bound PgBouncer's own configuration allows (pools x pool size).

Writes bench/results/soak.md and soak.png (plus timestamped copies) and prints the report.

Usage (the Makefile does all of it: `make soak`, `SOAK_MINUTES=2 make soak`):
    uv run python bench/soak.py --gateway-url http://localhost:8080 [--minutes 10]
Needs the stack of `make bench` and wrk; only loopback addresses are accepted.
"""

import argparse
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from harness import charts, fixtures, measure, report, stack, wrk

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LOOPBACK = re.compile(r"^http://(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$")
FLAT_WITHIN = 0.10


@dataclass(frozen=True)
class Sample:
    seconds: float
    backends: int
    by_role: dict[str, int]
    rss_mib: float
    pss_mib: float | None
    private_mib: float | None
    under_load: bool  # the samples before the load starts and after it ends are context only


@dataclass(frozen=True)
class Drift:
    """First third against last third of a series."""

    first: float
    last: float

    @property
    def change(self) -> float:
        return (self.last - self.first) / self.first if self.first else float("inf")

    @property
    def flat(self) -> bool:
        return self.last == self.first or abs(self.change) <= FLAT_WITHIN


def drift(values: list[float]) -> Drift:
    third = max(1, len(values) // 3)
    return Drift(sum(values[:third]) / third, sum(values[-third:]) / third)


@dataclass
class BurstPeak:
    """The highest client backend count a background thread saw while the burst ran."""

    maximum: int = 0
    samples: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def watch(self, postgres: stack.Container) -> None:
        while not self.stop.is_set():
            counts = measure.client_backends(postgres, user="postgres", database="shop")
            self.maximum = max(self.maximum, sum(counts.values()))
            self.samples += 1
            self.stop.wait(0.2)


def sample(postgres: stack.Container, started: float, *, under_load: bool = True) -> Sample:
    state = measure.database_state(postgres, user="postgres", database="shop")
    return Sample(
        time.monotonic() - started,
        state.client_backends,
        state.by_role,
        state.rss_mib,
        state.pss_mib,
        state.private_mib,
        under_load,
    )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway-url", default="http://localhost:8080")
    parser.add_argument("--minutes", type=float, default=10.0, help="steady load, 1 to 60")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between samples")
    parser.add_argument("--read-connections", type=int, default=16)
    parser.add_argument("--order-connections", type=int, default=8)
    parser.add_argument("--burst-connections", type=int, default=1000)
    parser.add_argument("--burst-seconds", type=int, default=10)
    parser.add_argument("--project", default=os.environ.get("COMPOSE_PROJECT_NAME", "shop"))
    args = parser.parse_args()
    if not LOOPBACK.match(args.gateway_url):
        parser.error(f"the soak only targets the local stack (loopback), not {args.gateway_url}")
    if not 1 <= args.minutes <= 60:
        parser.error("--minutes is 1 to 60: the soak stays bounded")
    if not 1 <= args.burst_seconds <= 60 or not 1 <= args.burst_connections <= 5000:
        parser.error("the burst is 1-60 s and 1-5000 connections")
    return args


def steady_load(
    args: argparse.Namespace, fixture: fixtures.Fixture, postgres: stack.Container
) -> tuple[list[Sample], wrk.WrkResult, wrk.WrkResult]:
    seconds = round(args.minutes * 60)
    reads = wrk.Load(
        f"{args.gateway_url}/api/catalog/products/{fixture.product_id}",
        "get_bearer.lua",
        (("BENCH_TOKEN", fixture.token),),
    )
    orders = wrk.Load(
        f"{args.gateway_url}/api/orders/orders",
        "post_json.lua",
        (("BENCH_TOKEN", fixture.token), ("BENCH_BODY", fixture.order_body)),
    )
    started = time.monotonic()
    samples = [sample(postgres, started, under_load=False)]
    readers = wrk.start(reads, connections=args.read_connections, duration=f"{seconds}s")
    buyers = wrk.start(orders, connections=args.order_connections, duration=f"{seconds}s")
    try:
        deadline = started + seconds
        next_at = started + args.interval
        while next_at < deadline:
            time.sleep(max(0.0, next_at - time.monotonic()))
            samples.append(sample(postgres, started))
            print(
                f"{samples[-1].seconds / 60:5.1f} min: {samples[-1].backends} client backends, "
                f"{samples[-1].rss_mib:,.0f} MiB RSS, "
                f"{samples[-1].private_mib or 0:,.0f} MiB private",
                flush=True,
            )
            next_at += args.interval
        read_result = wrk.finish(readers, timeout=60)
        order_result = wrk.finish(buyers, timeout=60)
    finally:
        for process in (readers, buyers):
            if process.poll() is None:
                process.kill()
    samples.append(sample(postgres, started, under_load=False))
    return samples, read_result, order_result


def burst(
    args: argparse.Namespace, fixture: fixtures.Fixture, postgres: stack.Container
) -> tuple[wrk.WrkResult, BurstPeak]:
    peak = BurstPeak()
    watcher = threading.Thread(target=peak.watch, args=(postgres,), daemon=True)
    watcher.start()
    try:
        result = wrk.run(
            wrk.Load(
                f"{args.gateway_url}/api/catalog/products/{fixture.product_id}",
                "get_bearer.lua",
                (("BENCH_TOKEN", fixture.token),),
            ),
            connections=args.burst_connections,
            duration_seconds=args.burst_seconds,
        )
        time.sleep(1)  # the last queued requests still hold backends
    finally:
        peak.stop.set()
        watcher.join(timeout=30)
    return result, peak


def non_2xx(result: wrk.WrkResult) -> str:
    return f"{result.non_2xx:,} ({result.refusals()})" if result.non_2xx else "0"


def markdown(
    *,
    chart: str,
    started: datetime,
    args: argparse.Namespace,
    pool_size: str,
    samples: list[Sample],
    reads: wrk.WrkResult,
    orders: wrk.WrkResult,
    burst_result: wrk.WrkResult,
    peak: BurstPeak,
    bounds: list[measure.PoolBound],
    open_files: int,
) -> str:
    loaded = [s for s in samples if s.under_load] or samples
    backends = drift([float(s.backends) for s in loaded])
    rss = drift([s.rss_mib for s in loaded])
    pss_values = [s.pss_mib for s in loaded]
    pss = drift([v for v in pss_values if v is not None]) if None not in pss_values else None
    private_values = [s.private_mib for s in loaded]
    private = (
        drift([v for v in private_values if v is not None]) if None not in private_values else None
    )
    bound = sum(b.bound for b in bounds)

    def verdict(d: Drift) -> str:
        return (
            f"{'**flat**' if d.flat else '**not flat**'} ({d.first:,.1f} -> {d.last:,.1f}, "
            f"{d.change:+.1%})"
        )

    lines = [
        f"# Soak, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"{args.minutes:g} minutes of steady mixed load through the gateway "
        f"({args.gateway_url}), then a burst of {args.burst_connections} clients. "
        f"DATABASE_POOL_SIZE={pool_size} in users, catalog and orders.",
        "",
        "## Does the database side stay flat?",
        "",
        f"Mean of the first third of the {len(loaded)} samples taken under load against the "
        f"last third's, flat within {FLAT_WITHIN:.0%}:",
        "",
        f"- Postgres client backends: {verdict(backends)}",
    ]
    if private is not None:
        lines.append(
            "- Summed private memory of the Postgres processes (MiB, RssAnon: heaps, caches,"
            f" prepared statements; what a leak grows): {verdict(private)}"
        )
    lines.append(
        "- Summed RSS of the Postgres processes (MiB; also grows as backends touch more of"
        f" the shared buffers, which is no leak): {verdict(rss)}"
    )
    if pss is not None:
        lines.append(f"- Summed PSS (MiB, shared pages split): {verdict(pss)}")
    lines += [
        "",
        f"![client backends and RSS over the soak]({chart})",
        "",
        "| load | conns | req/s | p50 ms | p99 ms | requests | non-2xx | socket errors |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, conns, result in (
        ("product reads (bearer, uncached)", args.read_connections, reads),
        ("order placements", args.order_connections, orders),
        (f"burst: product reads, {args.burst_seconds} s", args.burst_connections, burst_result),
    ):
        lines.append(
            f"| {name} | {conns} | {result.requests_per_second:,.1f} | {result.p('50'):,.1f} | "
            f"{result.p('99'):,.1f} | {result.requests:,} | {non_2xx(result)} | "
            f"{result.socket_errors} |"
        )
    described = "; ".join(
        f"{b.container}: {b.users} user(s) x {b.pool_size + b.reserve}"
        + (f", max_db_connections {b.max_db_connections}" if b.max_db_connections else "")
        for b in bounds
    )
    within = peak.maximum <= bound
    lines += [
        "",
        "## The burst",
        "",
        f"Highest Postgres client backend count seen during the burst: **{peak.maximum}** "
        f"({peak.samples} samples), against PgBouncer's bound of **{bound}** ({described}): "
        + ("**within the bound**." if within else "**above the bound**."),
        "",
        "## Samples",
        "",
        "| minute | under load | client backends | by role | private MiB | RSS MiB | PSS MiB |",
        "|---:|---|---:|---|---:|---:|---:|",
    ]
    for s in samples:
        roles = ", ".join(f"{role} {count}" for role, count in s.by_role.items()) or "-"
        pss_cell = f"{s.pss_mib:,.0f}" if s.pss_mib is not None else "n/a"
        private_cell = f"{s.private_mib:,.0f}" if s.private_mib is not None else "n/a"
        lines.append(
            f"| {s.seconds / 60:.2f} | {'yes' if s.under_load else 'no'} | {s.backends} | "
            f"{roles} | {private_cell} | {s.rss_mib:,.0f} | {pss_cell} |"
        )
    lines += [
        "",
        "## Method",
        "",
        f"- Steady load: two wrk processes side by side, -t2 each, for {args.minutes:g} min: "
        f"GET /api/catalog/products/{{id}} with a bearer token (-c{args.read_connections}; the "
        "token makes a shared cache for anonymous reads step aside) and POST /api/orders/orders "
        f"(-c{args.order_connections}), one unit of a product seeded with a million.",
        f"- Samples every {args.interval:g} s from the `postgres` compose service's container: "
        "`pg_stat_activity` client backends (without the sampling session) and `docker top` "
        "RSS of every postgres process, plus PSS from /proc/<pid>/smaps_rollup.",
        f"- Burst: wrk -t2 -c{args.burst_connections} -d{args.burst_seconds}s, open-file limit "
        f"raised to {open_files}; a background thread counts client backends about five times "
        "a second. PgBouncer's bound is read from each PgBouncer container's own "
        "pgbouncer.ini and userlist (whatever the services are called).",
        f"- {os.cpu_count()} CPUs shared by the load generator and the whole stack: the "
        "figures are about shape (flat or not, bounded or not), not speed.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_arguments()
    open_files = wrk.raise_open_file_limit()
    if open_files < args.burst_connections + 100:
        sys.exit(
            f"the open-file limit is {open_files}: too low for {args.burst_connections} clients"
        )
    started = datetime.now(UTC)
    with httpx.Client(base_url=args.gateway_url, timeout=10) as gateway:
        stack.wait_for_shop(gateway)
        fixture = fixtures.prepare_shop(gateway, args.project)
    postgres = stack.service_container(args.project, "postgres")
    pool_size = stack.service_container(args.project, "catalog").setting("DATABASE_POOL_SIZE")
    samples, reads, orders = steady_load(args, fixture, postgres)
    time.sleep(5)  # queued requests drain before the burst
    burst_result, peak = burst(args, fixture, postgres)
    bounds = measure.pgbouncer_bounds(stack.containers(args.project))

    def chart(path: Path) -> None:
        charts.soak_lines(
            path,
            minutes=[s.seconds / 60 for s in samples],
            backends=[s.backends for s in samples],
            rss_mib=[s.rss_mib for s in samples],
            title=f"Postgres under {args.minutes:g} min of mixed load, "
            f"{started:%Y-%m-%d %H:%M} UTC",
        )

    def render(png: str) -> str:
        return markdown(
            chart=png,
            started=started,
            args=args,
            pool_size=pool_size or "0",
            samples=samples,
            reads=reads,
            orders=orders,
            burst_result=burst_result,
            peak=peak,
            bounds=bounds,
            open_files=open_files,
        )

    path = report.write(
        RESULTS_DIR, latest="soak", prefix="soak", started=started, render=render, chart=chart
    )
    print(render("soak.png"))
    print(
        f"written to {path.relative_to(RESULTS_DIR.parent.parent)} and bench/results/soak.md/.png"
    )


if __name__ == "__main__":
    try:
        main()
    except (TimeoutError, LookupError, RuntimeError) as error:
        sys.exit(f"soak: {error}")
