"""The benchmark's results and their Markdown report."""

import os
import platform
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from harness.fixtures import Fixture
from harness.measure import CpuCost, DatabaseState, PoolBound
from harness.stack import REPO
from harness.wrk import THREADS, Load, WrkResult

# (the system's base URL, its fixture) -> what wrk sends
LoadFor = Callable[[str, Fixture], Load]


@dataclass(frozen=True)
class Scenario:
    key: str  # for --only
    name: str
    what: str
    connections: int
    shop: LoadFor
    baseline: LoadFor | None = None  # None: a shop-only scenario


@dataclass(frozen=True)
class Variant:
    name: str
    pool_size: int  # DATABASE_POOL_SIZE of users, catalog and orders; 0 is NullPool


@dataclass(frozen=True)
class Measured:
    wrk: WrkResult
    cpu: CpuCost


@dataclass(frozen=True)
class Pair:
    """One scenario in one variant: the shop's run and the baseline's, back to back."""

    scenario: Scenario
    variant: Variant
    shop: Measured
    baseline: Measured | None

    @property
    def ratio(self) -> float:
        base = self.baseline.wrk.requests_per_second if self.baseline else 0.0
        return self.shop.wrk.requests_per_second / base if base else float("nan")

    def summary(self) -> str:
        line = f"{self.scenario.name} [{self.variant.name}]: shop {_rps(self.shop.wrk)}"
        if self.baseline is None:
            return line
        return f"{line}, baseline {_rps(self.baseline.wrk)}, ratio {self.ratio:.2f}"


def _rps(result: WrkResult) -> str:
    refused = f" ({result.non_2xx:,} non-2xx: {result.refusals()})" if result.non_2xx else ""
    return f"{result.requests_per_second:,.1f} req/s{refused}"


@dataclass
class BenchRun:
    started: datetime
    duration_seconds: int
    settle_seconds: int
    gateway_url: str
    baseline_url: str
    pairs: list[Pair] = field(default_factory=list)
    # (server: "shop" or "baseline", when: "before", "after NullPool", ..., its state)
    databases: list[tuple[str, str, DatabaseState]] = field(default_factory=list)
    pool_bounds: list[PoolBound] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _ms(value: float) -> str:
    if value != value:  # NaN: no request completed
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _latency(result: WrkResult) -> str:
    return f"{_ms(result.p('50'))} / {_ms(result.p('99'))}" if result.requests else "-"


def _revision() -> str:
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _service_order(service: str) -> tuple[int, str]:
    first = ["gateway", "users", "catalog", "orders"]
    if service in first:
        return (first.index(service), service)
    if "pgbouncer" in service:
        return (10, service)
    if service == "postgres":
        return (20, service)
    return (30, service)


def _non_2xx(result: WrkResult | None) -> str:
    if result is None:
        return "-"
    return f"{result.non_2xx:,} ({result.refusals()})" if result.non_2xx else "0"


def markdown(run: BenchRun, chart: str | None) -> str:
    lines = [
        f"# The shop against the baseline, {run.started:%Y-%m-%d %H:%M} UTC",
        "",
        "Each scenario runs against the shop through its gateway and, right after, against the "
        "baseline (bench/baseline: one FastAPI process, sync SQLAlchemy + psycopg2, QueuePool "
        "straight to its own Postgres) with the same wrk parameters; **shop ÷ baseline** is "
        "the ratio of the two throughputs measured in that same minute. The machine is shared "
        "(load generator, both systems, other work): read the ratios, not the absolute figures.",
        "",
        "## Throughput and latency",
        "",
        *(
            [
                f"![req/s per scenario and variant, the baseline beside each]({chart})",
                "",
            ]
            if chart
            else []
        ),
        "| scenario | variant | conns | shop req/s | shop p50 / p99 ms | baseline req/s "
        "| baseline p50 / p99 ms | shop ÷ baseline | non-2xx shop / baseline |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for pair in run.pairs:
        shop = pair.shop.wrk
        base = pair.baseline.wrk if pair.baseline else None
        baseline_cells = (
            f"{base.requests_per_second:,.1f} | {_latency(base)} | **{pair.ratio:.2f}**"
            if base
            else "- | - | -"
        )
        lines.append(
            f"| {pair.scenario.name} | {pair.variant.name} | {pair.scenario.connections} | "
            f"{shop.requests_per_second:,.1f} | {_latency(shop)} | {baseline_cells} | "
            f"{_non_2xx(shop)} / {_non_2xx(base)} |"
        )
    errors = [
        f"{pair.scenario.name} ({pair.variant.name}, {side}): {measured.wrk.socket_errors}"
        for pair in run.pairs
        for side, measured in _sides(pair)
        if measured.wrk.socket_errors != "none"
    ]
    if errors:
        lines += ["", "Socket errors reported by wrk: " + "; ".join(errors) + "."]

    lines += _cpu_table(run)
    lines += _database_table(run)
    lines += _method(run)
    return "\n".join(lines) + "\n"


def _sides(pair: Pair) -> list[tuple[str, Measured]]:
    return [("shop", pair.shop)] + ([("baseline", pair.baseline)] if pair.baseline else [])


def _cpu_table(run: BenchRun) -> list[str]:
    services = sorted(
        {
            service
            for pair in run.pairs
            for _, measured in _sides(pair)
            for service in measured.cpu.per_service
        },
        key=_service_order,
    )
    lines = [
        "",
        "## CPU per request",
        "",
        "CPU milliseconds per request in each container over the run (cgroup counters read "
        "before and after it, divided by the requests wrk completed), the sum over the system "
        "under test, and the load generator's own (wrk, not in the total).",
        "",
        "| scenario | variant | system | " + " | ".join(services) + " | **total** | wrk |",
        "|---|---|---|" + "---:|" * (len(services) + 2),
    ]
    for pair in run.pairs:
        for side, measured in _sides(pair):
            cells = [
                f"{measured.cpu.per_service[s]:.2f}" if s in measured.cpu.per_service else ""
                for s in services
            ]
            requests = measured.wrk.requests
            total = f"**{measured.cpu.total:.2f}**" if requests else "no request completed"
            wrk_ms = f"{measured.wrk.cpu_seconds * 1000 / requests:.2f}" if requests else "-"
            lines.append(
                f"| {pair.scenario.name} | {pair.variant.name} | {side} | "
                + " | ".join(cells)
                + f" | {total} | {wrk_ms} |"
            )
    return lines


def _database_table(run: BenchRun) -> list[str]:
    lines = [
        "",
        "## Postgres",
        "",
        "Client backends (`pg_stat_activity`, `backend_type = 'client backend'`, without the "
        "counting session itself) and the memory of every postgres process of the server's "
        "container (`docker top`; private is RssAnon from /proc, the processes' own heaps and "
        "caches; RSS counts each shared page once per process that touched it, PSS splits "
        "shared pages between them).",
        "",
        "| server | when | client backends | by role | processes | private MiB | RSS MiB "
        "| PSS MiB |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for server, moment, state in run.databases:
        roles = ", ".join(f"{role} {count}" for role, count in state.by_role.items()) or "-"
        pss = f"{state.pss_mib:,.0f}" if state.pss_mib is not None else "n/a"
        private = f"{state.private_mib:,.0f}" if state.private_mib is not None else "n/a"
        lines.append(
            f"| {server} | {moment} | {state.client_backends} | {roles} | {state.processes} | "
            f"{private} | {state.rss_mib:,.0f} | {pss} |"
        )
    if run.pool_bounds:
        described = "; ".join(
            f"{b.container}: {b.users} user(s) x (default_pool_size {b.pool_size} + reserve "
            f"{b.reserve})"
            + (f", max_db_connections {b.max_db_connections}" if b.max_db_connections else "")
            + f" = {b.bound}"
            for b in run.pool_bounds
        )
        total = sum(b.bound for b in run.pool_bounds)
        lines += [
            "",
            f"PgBouncer's bound on the shop's server connections: {total} ({described}).",
        ]
    return lines


def _method(run: BenchRun) -> list[str]:
    variants = sorted({pair.variant for pair in run.pairs}, key=lambda v: v.pool_size)
    scenarios = list(dict.fromkeys(pair.scenario for pair in run.pairs))
    return [
        "",
        "## Method and settings",
        "",
        f"- wrk -t{THREADS}, {run.duration_seconds} s per run, a 10 s request timeout, "
        f"{run.settle_seconds} s pause before each run (queued requests of the previous run "
        "drain); connections per scenario as in the table. Runs alternate shop, baseline, "
        "shop, baseline ... (shop-only scenarios have no baseline run).",
        f"- Shop: {run.gateway_url} (nginx gateway, rate limits lifted by "
        "bench/compose.bench.yml) -> users / catalog / orders (one container each, one uvicorn "
        "worker, async SQLAlchemy + asyncpg) -> PgBouncer (transaction pooling) -> Postgres.",
        f"- Baseline: {run.baseline_url} directly (no gateway): one uvicorn worker, sync "
        "endpoints in FastAPI's thread pool, SQLAlchemy's default QueuePool (5 + 10 overflow) "
        "with psycopg2 to its own Postgres (same image and defaults as the shop's).",
        "- Variants (users, catalog and orders recreated through compose between them): "
        + "; ".join(
            f"**{v.name}**: DATABASE_POOL_SIZE={v.pool_size}"
            + (" (NullPool, the default)" if v.pool_size == 0 else " (kept-open connections)")
            for v in variants
        )
        + ". The baseline does not change between variants; it is measured again beside each.",
        "- Scenarios:",
        *[f"  - **{s.name}** (-c{s.connections}): {s.what}" for s in scenarios],
        f"- Machine: {os.cpu_count()} CPUs shared by wrk, both systems and whatever else runs; "
        f"{platform.system()} {platform.release()}; revision {_revision()}.",
        "- Every request is real work: each placed order takes one unit of a product seeded "
        "with a million.",
        *[f"- {note}" for note in run.notes],
    ]


def write(
    results_dir: Path,
    *,
    latest: str,
    prefix: str,
    started: datetime,
    render: Callable[[str], str],
    chart: Callable[[Path], None] | None,
) -> Path:
    """`<prefix>-<timestamp>.md/.png` and `<latest>.md/.png`; `render(png name)` gives the text."""
    results_dir.mkdir(parents=True, exist_ok=True)
    stamped = f"{prefix}-{started:%Y%m%dT%H%M%SZ}"
    for name in (stamped, latest):
        if chart is not None:
            chart(results_dir / f"{name}.png")
        (results_dir / f"{name}.md").write_text(render(f"{name}.png"))
    return results_dir / f"{stamped}.md"
