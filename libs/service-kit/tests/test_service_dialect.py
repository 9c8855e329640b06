"""The dialect every service speaks: the repository base, the enum column, the transaction
outside a request, offset pages, app-scoped dependencies and periodic jobs of the app."""

import asyncio
import enum
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, ClassVar

import asyncpg
import pytest
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from sqlalchemy import CheckConstraint, String, UniqueConstraint, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from service_kit.app import create_service_app
from service_kit.app_state import from_app_state
from service_kit.background import PeriodicJob
from service_kit.database import Database, StringEnum, service_metadata
from service_kit.pagination import OffsetPage, PageOfRows
from service_kit.problems import Conflict
from service_kit.repository import Repository
from service_kit.settings import ServiceSettings
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import serve

SCHEMA = "users"  # the stack's users schema; the table is this module's own


class Shade(enum.StrEnum):
    LIGHT = "light"
    DARK = "dark"


class Base(DeclarativeBase):
    metadata = service_metadata(SCHEMA)


class Swatch(Base):
    __tablename__ = "dialect_swatches"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("shade IN ('light', 'dark')", name="shade_known"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(50))
    shade: Mapped[Shade] = mapped_column(StringEnum(Shade, 10))


class SwatchNameTaken(Conflict):
    code = "swatch-name-taken"
    title = "Swatch name taken"


class SwatchRepository(Repository[Swatch]):
    model = Swatch
    constraint_problems: ClassVar = {
        "uq_dialect_swatches_name": lambda: SwatchNameTaken("Another swatch has this name.")
    }


@pytest.fixture(scope="module")
def swatch_table(database_stack: DatabaseStack) -> None:
    async def create() -> None:
        connection = await asyncpg.connect(database_stack.direct_dsn("users"))
        try:
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS users.dialect_swatches ("
                " id uuid PRIMARY KEY, name varchar(50) NOT NULL,"
                " shade varchar(10) NOT NULL,"
                " CONSTRAINT uq_dialect_swatches_name UNIQUE (name),"
                " CONSTRAINT ck_dialect_swatches_shade_known CHECK (shade IN ('light', 'dark')))"
            )
        finally:
            await connection.close()

    asyncio.run(create())


@pytest.fixture
async def database(swatch_table: None, database_stack: DatabaseStack) -> AsyncIterator[Database]:
    database = Database.from_settings(
        ServiceSettings(database_url=database_stack.pooled_url("users"), environment="test")
    )
    async with database.transaction() as session:
        await session.execute(text("DELETE FROM users.dialect_swatches"))
    yield database
    await database.dispose()


async def test_the_enum_column_stores_the_value_and_reads_back_the_member(
    database: Database,
) -> None:
    async with database.transaction() as session:
        await SwatchRepository(session).add(Swatch(name="dusk", shade=Shade.DARK))

    async with database.transaction() as session:
        stored = await session.scalar(text("SELECT shade FROM users.dialect_swatches"))
        swatch = await session.scalar(select(Swatch).where(Swatch.shade == Shade.DARK))

    assert stored == "dark"
    assert swatch is not None
    assert swatch.shade is Shade.DARK


async def test_the_enum_column_refuses_a_value_outside_the_enum(database: Database) -> None:
    async with database.transaction() as session:
        with pytest.raises(StatementError, match="not a valid Shade"):
            await SwatchRepository(session).add(Swatch(name="odd", shade="mauve"))  # type: ignore[arg-type]


async def test_a_violated_constraint_in_the_table_is_its_problem(database: Database) -> None:
    async with database.transaction() as session:
        await SwatchRepository(session).add(Swatch(name="dawn", shade=Shade.LIGHT))

    async with database.transaction() as session:
        with pytest.raises(SwatchNameTaken) as raised:
            await SwatchRepository(session).add(Swatch(name="dawn", shade=Shade.DARK))

    # No database error chained to the problem (it would carry the row into the logs).
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


async def test_a_transaction_that_raises_stores_nothing(database: Database) -> None:
    async def write_then_fail() -> None:
        async with database.transaction() as session:
            await SwatchRepository(session).add(Swatch(name="gone", shade=Shade.LIGHT))
            raise RuntimeError("the work failed after the write")

    with pytest.raises(RuntimeError):
        await write_then_fail()

    async with database.transaction() as session:
        page = await SwatchRepository(session).paginate(select(Swatch), limit=10, offset=0)
    assert page.total == 0


async def test_get_reads_by_primary_key_and_can_lock(database: Database) -> None:
    async with database.transaction() as session:
        added = await SwatchRepository(session).add(Swatch(name="noon", shade=Shade.LIGHT))

    async with database.transaction() as session:
        found = await SwatchRepository(session).get(added.id, lock=True)
        missing = await SwatchRepository(session).get(uuid.uuid4())

    assert found is not None
    assert found.name == "noon"
    assert missing is None


async def test_paginate_gives_one_page_and_the_total(database: Database) -> None:
    async with database.transaction() as session:
        swatches = SwatchRepository(session)
        for index in range(7):
            await swatches.add(Swatch(name=f"s{index}", shade=Shade.LIGHT))

    async with database.transaction() as session:
        page = await SwatchRepository(session).paginate(
            select(Swatch).order_by(Swatch.name), limit=3, offset=3
        )

    assert (page.total, page.limit, page.offset) == (7, 3, 3)
    assert [swatch.name for swatch in page.items] == ["s3", "s4", "s5"]


async def test_app_jobs_run_with_the_app_state_and_stop_with_the_app(
    database_stack: DatabaseStack, swatch_table: None
) -> None:
    rounds: list[object] = []
    second_round = asyncio.Event()

    async def count_swatches(state: object) -> None:
        database: Database = state.database  # type: ignore[attr-defined]
        async with database.transaction() as session:
            rounds.append(await session.scalar(text("SELECT count(*) FROM users.dialect_swatches")))
        if len(rounds) >= 2:
            second_round.set()

    router = APIRouter()
    GreetingDep = Annotated[str, Depends(from_app_state("greeting"))]

    @router.get("/probe/greeting")
    async def greeting(value: GreetingDep) -> dict[str, str]:
        return {"greeting": value}

    app = create_service_app(
        name="probe",
        settings=ServiceSettings(
            database_url=database_stack.pooled_url("users"), environment="test"
        ),
        api_prefix="/probe",
        jobs=[PeriodicJob(name="swatch-count", interval_seconds=0.01, run=count_swatches)],
        jwks_source=_no_keys,
    )
    app.state.greeting = "hello"
    app.include_router(router)
    async with serve(app) as client:
        await asyncio.wait_for(second_round.wait(), timeout=10)
        response = await client.get("/probe/greeting")

    assert response.json() == {"greeting": "hello"}
    assert all(isinstance(count, int) for count in rounds)
    assert not any(task.get_name() == "swatch-count" for task in asyncio.all_tasks())


async def _no_keys() -> dict[str, object]:
    return {"keys": []}


class NameOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str


async def test_an_offset_page_serializes_rows_by_attribute() -> None:
    class Named:
        def __init__(self, name: str) -> None:
            self.name = name

    rows = PageOfRows(items=[Named("a"), Named("b")], total=5, limit=2, offset=0)
    page = OffsetPage[NameOut].model_validate(rows, from_attributes=True)

    assert page.model_dump() == {
        "items": [{"name": "a"}, {"name": "b"}],
        "total": 5,
        "limit": 2,
        "offset": 0,
    }
