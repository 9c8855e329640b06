"""What a run costs: CPU per container from cgroup counters, and the database side (Postgres
client backends and the memory of its processes, PgBouncer's pool bound)."""

import re
from dataclasses import dataclass
from pathlib import Path

from harness.stack import Container, docker

CGROUP_ROOT = Path("/sys/fs/cgroup")


def cpu_usage_ns(container: Container) -> int | None:
    """The container's CPU time so far (all its processes, user + system), in nanoseconds.

    cgroup v1: cpuacct.usage (ns); cgroup v2: cpu.stat usage_usec. The cgroup is found from
    the container's first process, so the cgroup driver (cgroupfs or systemd) does not matter.
    """
    for path in _cgroup_candidates(container):
        try:
            text = path.read_text()
        except OSError:
            continue
        if path.name == "cpuacct.usage":
            return int(text.strip())
        match = re.search(r"^usage_usec (\d+)$", text, re.MULTILINE)
        if match:
            return int(match.group(1)) * 1000
    return None


def _cgroup_candidates(container: Container) -> list[Path]:
    candidates: list[Path] = []
    try:
        lines = Path(f"/proc/{container.pid}/cgroup").read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        relative = path.lstrip("/")
        if "cpuacct" in controllers.split(","):
            for mount in ("cpuacct", "cpu,cpuacct", "cpuacct,cpu"):
                candidates.append(CGROUP_ROOT / mount / relative / "cpuacct.usage")
        elif controllers == "":
            candidates.append(CGROUP_ROOT / relative / "cpu.stat")
            candidates.append(CGROUP_ROOT / "unified" / relative / "cpu.stat")
    cid = container.id
    candidates += [
        CGROUP_ROOT / "cpuacct" / "docker" / cid / "cpuacct.usage",
        CGROUP_ROOT / "cpuacct" / "system.slice" / f"docker-{cid}.scope" / "cpuacct.usage",
        CGROUP_ROOT / "system.slice" / f"docker-{cid}.scope" / "cpu.stat",
        CGROUP_ROOT / "docker" / cid / "cpu.stat",
    ]
    return candidates


def cpu_snapshot(running: list[Container]) -> dict[str, int | None]:
    return {container.id: cpu_usage_ns(container) for container in running}


@dataclass(frozen=True)
class CpuCost:
    """CPU milliseconds per request, per compose service, over one run."""

    per_service: dict[str, float]
    side: str

    @property
    def total(self) -> float:
        return sum(self.per_service.values())


def cpu_cost(
    running: list[Container],
    before: dict[str, int | None],
    after: dict[str, int | None],
    *,
    requests: int,
    side: str,
) -> CpuCost:
    """Each container of `side` (shop or baseline): its CPU over the run divided by requests.

    Everything a container did in the window counts, background jobs included: that is what
    the request rate costs the machine.
    """
    per_service: dict[str, float] = {}
    for container in running:
        start, end = before.get(container.id), after.get(container.id)
        if container.side != side or start is None or end is None or requests == 0:
            continue
        milliseconds = (end - start) / 1e6 / requests
        per_service[container.service] = per_service.get(container.service, 0.0) + milliseconds
    return CpuCost(per_service=per_service, side=side)


@dataclass(frozen=True)
class DatabaseState:
    """One Postgres server at one moment."""

    client_backends: int
    by_role: dict[str, int]
    processes: int
    rss_mib: float  # summed RSS: counts shared buffers once per process that touched them
    pss_mib: float | None  # summed PSS: shared pages split between the processes
    # Summed private memory (RssAnon: heaps, caches, prepared statements; no shared buffers,
    # no files): what a leak grows, while RSS also grows as backends touch more shared buffers.
    private_mib: float | None


BACKENDS_SQL = (
    "select coalesce(usename, '?'), count(*) from pg_stat_activity "
    "where backend_type = 'client backend' and pid <> pg_backend_pid() group by 1 order by 1"
)


def client_backends(postgres: Container, *, user: str, database: str) -> dict[str, int]:
    """Client backends per role, not counting the one this question itself opens."""
    output = docker(
        "exec", postgres.id, "psql", "-U", user, "-d", database, "-AtF", "\t", "-c", BACKENDS_SQL
    )
    counts: dict[str, int] = {}
    for line in output.splitlines():
        role, count = line.split("\t")
        counts[role] = int(count)
    return counts


def postgres_memory(postgres: Container) -> tuple[int, float, float | None, float | None]:
    """(processes, summed RSS, PSS and private MiB) of the container's postgres processes."""
    rows = docker("top", postgres.id, "-eo", "pid,rss,args").splitlines()[1:]
    processes, rss_kib, pss_kib, pss_read, private_kib, private_read = 0, 0, 0, 0, 0, 0
    for row in rows:
        pid, rss, args = row.split(None, 2)
        if not args.startswith("postgres"):
            continue
        processes += 1
        rss_kib += int(rss)
        # None: the process has ended since `docker top` (a backend closing), or /proc is not
        # readable here at all (then no PSS is reported).
        pss = _pss_kib(int(pid))
        if pss is not None:
            pss_kib += pss
            pss_read += 1
        private = _private_kib(int(pid))
        if private is not None:
            private_kib += private
            private_read += 1
    return (
        processes,
        rss_kib / 1024,
        pss_kib / 1024 if pss_read else None,
        private_kib / 1024 if private_read else None,
    )


def _private_kib(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^RssAnon:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def _pss_kib(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    match = re.search(r"^Pss:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def database_state(postgres: Container, *, user: str, database: str) -> DatabaseState:
    by_role = client_backends(postgres, user=user, database=database)
    processes, rss, pss, private = postgres_memory(postgres)
    return DatabaseState(
        client_backends=sum(by_role.values()),
        by_role=by_role,
        processes=processes,
        rss_mib=rss,
        pss_mib=pss,
        private_mib=private,
    )


@dataclass(frozen=True)
class PoolBound:
    """How many server connections one PgBouncer may open, from its own configuration."""

    container: str
    users: int
    pool_size: int
    reserve: int
    max_db_connections: int

    @property
    def bound(self) -> int:
        per_users = self.users * (self.pool_size + self.reserve)
        return min(per_users, self.max_db_connections) if self.max_db_connections else per_users


def pgbouncer_bounds(running: list[Container]) -> list[PoolBound]:
    """Every container whose process is pgbouncer, whatever the service is called.

    Pools are per (database, user): each opens at most default_pool_size (+ reserve_pool_size)
    server connections, and max_db_connections caps a database's total. One database per
    PgBouncer here (the ini's [databases] section is read for its pool_size override).
    """
    bounds = []
    for container in running:
        if container.side != "shop":
            continue
        # docker top needs the pid column to parse ps's output.
        commands = [
            row.split()[1:]
            for row in docker("top", container.id, "-eo", "pid,args").splitlines()[1:]
        ]
        ini_path = next(
            (words[-1] for words in commands if words and words[0].endswith("pgbouncer")), None
        )
        if ini_path is None:
            continue
        ini = docker("exec", container.id, "cat", ini_path)
        settings = dict(re.findall(r"^\s*(\w+)\s*=\s*(\S*)\s*$", ini, re.MULTILINE))
        database_pool = re.search(r"\bpool_size=(\d+)", ini)
        auth_file = settings.get("auth_file", "")
        users = (
            len(docker("exec", container.id, "cat", auth_file).strip().splitlines())
            if auth_file
            else 1
        )
        bounds.append(
            PoolBound(
                container=container.service,
                users=users,
                pool_size=int(
                    database_pool.group(1)
                    if database_pool
                    else settings.get("default_pool_size") or 20
                ),
                reserve=int(settings.get("reserve_pool_size") or 0),
                max_db_connections=int(settings.get("max_db_connections") or 0),
            )
        )
    return bounds
