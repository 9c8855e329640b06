"""Which constraint a failed statement violated, to turn races into precise 409s."""

from sqlalchemy.exc import IntegrityError


def violated_constraint(error: IntegrityError) -> str | None:
    # SQLAlchemy wraps asyncpg's exception, which names the constraint.
    cause = error.orig.__cause__ if error.orig is not None else None
    name = getattr(cause, "constraint_name", None)
    return name if isinstance(name, str) else None
