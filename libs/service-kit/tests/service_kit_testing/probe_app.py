"""A minimal service built with the kit, with endpoints that exercise each plumbing path."""

from typing import Annotated

from fastapi import FastAPI, Form
from pydantic import BaseModel, Field
from sqlalchemy import text

from service_kit.app import create_service_app
from service_kit.auth import CurrentUser, JwksSource, RequireAdmin
from service_kit.database import SessionDep
from service_kit.problems import Conflict
from service_kit.settings import ServiceSettings

PREFIX = "/api/probe"


class ItemIn(BaseModel):
    name: str = Field(min_length=3)
    password: str = Field(min_length=12)


class OutOfWidgets(Conflict):
    code = "out-of-widgets"
    title = "Out of widgets"


def build_probe_app(settings: ServiceSettings, jwks_source: JwksSource | None = None) -> FastAPI:
    app = create_service_app(
        name="probe", settings=settings, api_prefix=PREFIX, jwks_source=jwks_source
    )

    @app.get(f"{PREFIX}/whoami")
    async def whoami(user: CurrentUser) -> dict[str, str]:
        return {"user_id": str(user.user_id), "role": user.role}

    @app.get(f"{PREFIX}/admin-only")
    async def admin_only(admin: RequireAdmin) -> dict[str, str]:
        return {"admin": str(admin.user_id)}

    @app.post(f"{PREFIX}/items", status_code=201)
    async def create_item(item: ItemIn, session: SessionDep) -> dict[str, str]:
        await session.execute(
            text("INSERT INTO users.probe_notes (note) VALUES (:n)"), {"n": item.name}
        )
        return {"name": item.name}

    @app.post(f"{PREFIX}/items-then-fail")
    async def create_then_fail(session: SessionDep) -> None:
        await session.execute(text("INSERT INTO users.probe_notes (note) VALUES ('doomed')"))
        raise OutOfWidgets("No widgets left.", available=0)

    @app.post(f"{PREFIX}/violate-at-commit")
    async def violate_at_commit(session: SessionDep) -> dict[str, str]:
        # The unique constraint is deferred: the violation surfaces only at COMMIT.
        await session.execute(
            text("INSERT INTO users.probe_notes (note) VALUES ('twin'), ('twin')")
        )
        return {"status": "looks fine until commit"}

    @app.get(f"{PREFIX}/count")
    async def count(session: SessionDep, note: str) -> dict[str, int]:
        result = await session.execute(
            text("SELECT count(*) FROM users.probe_notes WHERE note = :n"), {"n": note}
        )
        return {"count": result.scalar_one()}

    @app.post(f"{PREFIX}/slow")
    async def slow(session: SessionDep, statement_timeout_ms: int = 50) -> None:
        await session.execute(text(f"SET LOCAL statement_timeout = {statement_timeout_ms:d}"))
        await session.execute(text("SELECT pg_sleep(2)"))

    @app.post(f"{PREFIX}/locked-out")
    async def locked_out(session: SessionDep) -> None:
        await session.execute(text("SET LOCAL lock_timeout = 50"))
        await session.execute(text("LOCK TABLE users.probe_notes IN ROW EXCLUSIVE MODE"))

    @app.post(f"{PREFIX}/out-of-range")
    async def out_of_range(session: SessionDep, value: str) -> None:
        # Postgres, not validation, refuses the value: what a validation gap would look like.
        await session.execute(text("SELECT CAST(:value AS smallint)"), {"value": value})

    @app.post(f"{PREFIX}/sign-in")
    async def sign_in(username: Annotated[str, Form()]) -> dict[str, str]:
        return {"username": username}

    @app.get(f"{PREFIX}/crash")
    async def crash() -> None:
        raise RuntimeError("secret internal detail: SELECT * FROM users")

    return app
