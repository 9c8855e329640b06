"""The users package reads as domains on their URL prefixes, built on each other one way.

`accounts` is the base (the account, its repository, errors and passwords) and has no
routes; `keys` holds the signing keys; `auth` (login, refresh, logout, registration) builds
on both; `me` and `admin` build on `accounts` and `auth`; `internal` (the other services'
API) on `accounts` alone. Routers sit above all of them and
take what the app keeps through `users.dependencies`.
"""

import ast
import graphlib
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute

import users
from users.admin.router import router as admin_router
from users.auth.router import router as auth_router
from users.internal.router import router as internal_router
from users.keys.router import router as keys_router
from users.me.router import router as me_router
from users.settings import API_PREFIX

PACKAGE = Path(users.__file__).parent
# What each domain's modules (its router aside) may import of the other domains.
BUILDS_ON = {
    "accounts": set(),
    "keys": set(),
    "auth": {"accounts", "keys"},
    "me": {"accounts", "auth"},
    "admin": {"accounts", "auth"},
    "internal": {"accounts"},
}
# Above every domain: what only routers and the app import.
APP_LEVEL = {"users.dependencies", "users.main"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every module of the package and the modules of the package it imports."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
                imported |= {node.module, *names}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
        graph[_module_name(path)] = {
            name for name in imported if name == "users" or name.startswith("users.")
        }
    modules = set(graph)
    # `from users.auth import service` names a module; `from users.x import Name` does not.
    return {module: {name for name in names if name in modules} for module, names in graph.items()}


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in BUILDS_ON else None


def test_no_module_imports_itself_back() -> None:
    graphlib.TopologicalSorter(_imports()).prepare()  # raises CycleError on a cycle


@pytest.mark.parametrize("domain", sorted(BUILDS_ON))
def test_a_domain_builds_only_on_the_domains_below_it(domain: str) -> None:
    for module, imported in _imports().items():
        if _domain(module) != domain or module.endswith(".router"):
            continue
        for name in imported:
            other = _domain(name)
            assert other in {None, domain, *BUILDS_ON[domain]}, f"{module} imports {name}"
            assert name not in APP_LEVEL, f"{module} imports {name}"


@pytest.mark.parametrize(
    ("router", "prefix"),
    [
        (auth_router, "/auth"),
        (me_router, "/me"),
        (admin_router, "/admin/users"),
        (keys_router, "/.well-known"),
        (internal_router, "/internal"),
    ],
)
def test_each_domain_serves_its_own_url_prefix(router: APIRouter, prefix: str) -> None:
    routes = [route for route in router.routes if isinstance(route, APIRoute)]

    assert routes
    assert all(route.path.startswith(API_PREFIX + prefix) for route in routes)
