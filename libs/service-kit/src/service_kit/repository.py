"""The one repository shape: every query of a domain lives in its repository.

A repository wraps the session it is given (the request's, or one of `Database.transaction()`)
and never commits: the owner of the session does. It reads and writes ORM rows; services
take schemas in and hand rows out.

`flush()` turns a violated constraint into the problem it means, from one table per
repository: the service's own checks come first (a friendly 409 before any write), and the
table catches what a concurrent request slipped past them (the same 409, not a 500).
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from service_kit.database import violated_constraint
from service_kit.pagination import PageOfRows
from service_kit.problems import ProblemError

ModelT = TypeVar("ModelT")


class Repository(Generic[ModelT]):
    """Queries on one aggregate's table; subclasses add the domain's own."""

    model: ClassVar[type[Any]]
    # A violated constraint's name -> the problem it means.
    constraint_problems: ClassVar[Mapping[str, Callable[[], ProblemError]]] = {}

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, row_id: Any, *, lock: bool = False) -> ModelT | None:
        """The row with this primary key; `lock` holds it (FOR UPDATE) until commit."""
        row: ModelT | None = await self.session.get(self.model, row_id, with_for_update=lock)
        return row

    async def add(self, row: ModelT) -> ModelT:
        self.session.add(row)
        await self.flush()
        return row

    async def flush(self) -> None:
        """Write what is pending; a constraint in `constraint_problems` raises its problem."""
        try:
            await self.session.flush()
        except IntegrityError as error:
            problem = self.constraint_problems.get(violated_constraint(error) or "")
            if problem is None:
                raise
            # `from None`: the chained database error carries the row, which may hold a
            # password hash or personal data, into every log line of the problem.
            raise problem() from None

    async def paginate(
        self, statement: Select[Any], *, limit: int, offset: int
    ) -> PageOfRows[ModelT]:
        """One offset page of `statement` (rows of this repository's model, ordered by the
        caller) and the total it pages."""
        total = await self.session.scalar(
            select(func.count()).select_from(statement.order_by(None).subquery())
        )
        rows: Sequence[ModelT] = (
            await self.session.scalars(statement.limit(limit).offset(offset))
        ).all()
        return PageOfRows(items=rows, total=total or 0, limit=limit, offset=offset)
