"""What one database transaction costs a service: NullPool against a kept-open pool.

Starts the real data path (Postgres and a service's PgBouncer on its Unix socket, from the
project's images, with testing-kit) and runs the same transactions through
`service_kit.database` with NullPool (the default) and with `DATABASE_POOL_SIZE=5`,
alternating rounds so both see the same machine. Reports wall time and this process's CPU
per transaction, and the NullPool/pooled ratio (the target: at most 1.5).

    uv run python libs/service-kit/bench/transaction_cost.py [--transactions 2000] [--out FILE]
"""

import argparse
import asyncio
import resource
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text

from service_kit.database import Database, create_database_engine
from testing_kit.database_stack import running_database_stack

ROUNDS = 5


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _measure(work: Callable[[], Awaitable[None]], count: int) -> tuple[float, float]:
    """Wall and CPU milliseconds per call of `work`, run `count` times in sequence."""
    wall, cpu = time.perf_counter(), _cpu_seconds()
    for _ in range(count):
        await work()
    return (
        (time.perf_counter() - wall) * 1000 / count,
        (_cpu_seconds() - cpu) * 1000 / count,
    )


def _transaction(database: Database) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        async with database.sessionmaker() as session, session.begin():
            await session.execute(text("SELECT 1"))

    return run


def _read(database: Database) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        async with database.autocommit() as session:
            await session.execute(text("SELECT 1"))

    return run


async def _bench(url: str, transactions: int) -> list[str]:
    databases = {
        "NullPool (default)": Database(create_database_engine(url, connect_timeout_seconds=5)),
        "pool_size=5": Database(
            create_database_engine(url, connect_timeout_seconds=5, pool_size=5)
        ),
    }
    kinds = {"transaction (BEGIN, SELECT 1, COMMIT)": _transaction, "read (autocommit)": _read}
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    try:
        for database in databases.values():  # warm: imports, dialect initialisation
            await _measure(_transaction(database), 50)
        per_round = max(transactions // ROUNDS, 1)
        for _ in range(ROUNDS):
            for kind, make in kinds.items():
                for name, database in databases.items():
                    sample = await _measure(make(database), per_round)
                    results.setdefault((kind, name), []).append(sample)
    finally:
        for database in databases.values():
            await database.dispose()

    lines = [
        f"{transactions} of each, sequential, in {ROUNDS} alternating rounds; median of the"
        " rounds; CPU is this client process's.",
        "",
        "| what | engine | wall ms | CPU ms | NullPool / pooled (wall) |",
        "|---|---|---:|---:|---:|",
    ]
    for kind in kinds:
        medians = {
            name: (
                statistics.median(w for w, _ in results[(kind, name)]),
                statistics.median(c for _, c in results[(kind, name)]),
            )
            for name in databases
        }
        ratio = medians["NullPool (default)"][0] / medians["pool_size=5"][0]
        for name, (wall, cpu) in medians.items():
            shown = f"{ratio:.2f}" if name.startswith("NullPool") else ""
            lines.append(f"| {kind} | {name} | {wall:.2f} | {cpu:.2f} | {shown} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=2000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with running_database_stack() as stack:
        lines = asyncio.run(_bench(stack.pooled_url("catalog"), args.transactions))
    report = "\n".join(["## One transaction, NullPool against a pool", "", *lines, ""])
    print(report)
    if args.out:
        args.out.write_text(report)


if __name__ == "__main__":
    main()
