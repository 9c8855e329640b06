"""The engine, the session dependency and the schema, as the tutorial sets them up.

SQLAlchemy's default QueuePool (5 kept connections, 10 overflow) straight to Postgres: no
PgBouncer, connections opened once and reused by the threads FastAPI runs sync endpoints in.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends
from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from shop_baseline.settings import settings

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.sql"

engine = create_engine(settings.database_url, hide_parameters=True)
SessionLocal = sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


def create_schema() -> None:
    """Apply schema.sql (idempotent: CREATE ... IF NOT EXISTS) in one transaction."""
    with engine.begin() as connection:
        connection.exec_driver_sql(SCHEMA_FILE.read_text())


def get_session() -> Iterator[Session]:
    """One transaction per request: commit when the endpoint returns, roll back if it raises."""
    with SessionLocal() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        else:
            session.commit()


# scope="function": the commit happens before the response is sent, so a failed commit is an
# error answer rather than a success the client wrongly believes.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
