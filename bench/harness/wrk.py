"""One bounded wrk run and what its output says."""

import os
import re
import resource
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent.parent / "lua"
THREADS = 2
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Load:
    """What wrk sends: one URL, a Lua script from bench/lua (method, headers, body; every
    script counts the answers by status) and that script's environment."""

    url: str
    lua: str = "get.lua"
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    latency_ms: dict[str, float]  # "50", "90", "99"
    requests: int
    non_2xx: int
    statuses: dict[int, int]  # answers by HTTP status, counted by bench/lua/statuses.lua
    socket_errors: str
    cpu_seconds: float  # the load generator's own CPU (user + system)

    def p(self, percentile: str) -> float:
        return self.latency_ms.get(percentile, float("nan"))

    def refusals(self) -> str:
        """The non-2xx answers by status, e.g. "503: 57, 409: 2", or "" when there were none."""
        failed = sorted(
            ((code, n) for code, n in self.statuses.items() if not 200 <= code < 300),
            key=lambda item: -item[1],
        )
        return ", ".join(f"{code}: {n:,}" for code, n in failed)


def raise_open_file_limit() -> int:
    """Lift this process's soft open-file limit to the hard one (wrk inherits it)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def command(load: Load, *, connections: int, duration: str, threads: int = THREADS) -> list[str]:
    line = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{duration}",
        "--timeout",
        f"{TIMEOUT_SECONDS}s",
        "--latency",
    ]
    return [*line, "-s", str(LUA_DIR / load.lua), load.url]


def start(load: Load, *, connections: int, duration: str) -> subprocess.Popen[str]:
    """wrk in the background (for concurrent loads); finish with `finish()`."""
    return subprocess.Popen(  # noqa: S603  (our own fixed wrk command line)
        command(load, connections=connections, duration=duration),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "BENCH_LUA_DIR": str(LUA_DIR), **dict(load.env)},
    )


def finish(process: subprocess.Popen[str], *, timeout: float) -> WrkResult:
    before = _children_cpu()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {stderr.strip()}")
    return parse(stdout, cpu_seconds=_children_cpu() - before)


def run(load: Load, *, connections: int, duration_seconds: int) -> WrkResult:
    """One wrk run, bounded by its duration (and killed 30 s after it, should it hang)."""
    process = start(load, connections=connections, duration=f"{duration_seconds}s")
    return finish(process, timeout=duration_seconds + 30)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise ValueError(f"not a wrk duration: {value!r}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[match.group(2)]
    return float(match.group(1)) * scale


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        raise ValueError(f"wrk output has no {pattern!r}:\n{text}")
    return match.group(1)


def parse(output: str, *, cpu_seconds: float = 0.0) -> WrkResult:
    latency = {
        percentile: _ms(value)
        for percentile, value in re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    return WrkResult(
        requests_per_second=float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        latency_ms=latency,
        requests=int(_find(r"(\d+) requests in", output)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        statuses={
            int(code): int(count)
            for code, count in re.findall(r"^status (\d+) (\d+)$", output, re.MULTILINE)
        },
        socket_errors=errors.group(1).strip() if errors else "none",
        cpu_seconds=cpu_seconds,
    )
