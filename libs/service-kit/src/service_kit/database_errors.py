"""Database trouble is a 503 with Retry-After on every endpoint, never a 500.

PgBouncer or Postgres down or restarting, a pool wait past PgBouncer's query_wait_timeout, a
statement or lock timeout, a deadlock: the request did not happen (its transaction rolled back)
and the same request may well succeed a moment later, so the client is told to retry. What the
failure looked like is logged with its SQLSTATE; the client sees neither SQL nor values.

A value the database refuses as data (SQLSTATE class 22: out of range, bad encoding) is the
client's: a 422. Validation should have refused it first; this is the net under it.
Anything else (a violated constraint no service mapped, a syntax error) stays a bug: a 500.
"""

import logging

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from service_kit.problems import problem_response, unhandled_error_response

logger = logging.getLogger(__name__)

# Short: PgBouncer reconnects within its server_login_retry (1 s), and a restarted Postgres
# accepts connections within seconds (docs/failure-modes.md has the measured recovery times).
RETRY_AFTER_SECONDS = 2

# Connection exceptions (PgBouncer's own errors are 08P01), authorization failures (a
# PgBouncer that cannot log in yet), insufficient resources (too many connections), operator
# intervention (statement timeout 57014, shutdown, starting up), system errors.
_UNAVAILABLE_CLASSES = frozenset({"08", "28", "53", "57", "58"})
# Lock timeout, and the transient conflicts a retry resolves.
_UNAVAILABLE_STATES = frozenset({"55P03", "40001", "40P01"})
_DATA_EXCEPTION_CLASS = "22"


def _sqlstate(error: BaseException) -> str | None:
    # SQLAlchemy's wrapper carries the driver's error in .orig, which names the SQLSTATE.
    orig = getattr(error, "orig", None)
    for candidate in (orig, error):
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


def _driver_error(error: BaseException) -> BaseException:
    # SQLAlchemy's asyncpg adapter raises its own error from asyncpg's.
    orig = getattr(error, "orig", None)
    cause = orig.__cause__ if orig is not None else None
    return cause if cause is not None else error


def is_database_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached or cannot serve right now."""
    if isinstance(error, PoolTimeoutError | OSError):
        # A pool wait past its bound; a missing socket, a refused or timed-out connection.
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    state = _sqlstate(error)
    if state is None:
        # The driver's client-side connection errors (a closed connection, say) have none;
        # its DataError (a value it cannot encode) is an InterfaceError too, but the client's.
        driver_error = _driver_error(error)
        return isinstance(driver_error, asyncpg.InterfaceError) and not isinstance(
            driver_error, asyncpg.DataError
        )
    return state[:2] in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_STATES


def _is_refused_value(error: BaseException) -> bool:
    state = _sqlstate(error)
    if state is not None:
        return state.startswith(_DATA_EXCEPTION_CLASS)
    return isinstance(_driver_error(error), asyncpg.DataError)


def database_unavailable_response(path: str) -> JSONResponse:
    return problem_response(
        status=503,
        code="service-unavailable",
        title="Service temporarily unavailable",
        detail="The service's database is unavailable or busy; retry shortly.",
        instance=path,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _handle_database_error(request: Request, exc: Exception) -> JSONResponse:
    path = request.url.path
    state = _sqlstate(exc)
    if is_database_unavailable(exc):
        logger.warning(
            "database unavailable",
            extra={"path": path, "sqlstate": state, "error": type(exc).__name__},
        )
        return database_unavailable_response(path)
    if _is_refused_value(exc):
        logger.warning("database refused a value", extra={"path": path, "sqlstate": state})
        return problem_response(
            status=422,
            code="unstorable-value",
            title="A value cannot be stored",
            detail="A value in the request is out of range or not valid text.",
            instance=path,
        )
    logger.error("unhandled database error", extra={"path": path}, exc_info=exc)
    return unhandled_error_response(path)


def install_database_error_handlers(app: FastAPI) -> None:
    # Raised by the driver during connect (before SQLAlchemy wraps anything) or by the engine.
    for error_class in (
        DBAPIError,
        PoolTimeoutError,
        OSError,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
    ):
        app.add_exception_handler(error_class, _handle_database_error)
