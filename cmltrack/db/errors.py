"""What the database layer raises that callers act on (said to the user, never shown as a traceback)."""

from __future__ import annotations

import psycopg
from psycopg_pool import PoolTimeout

#: Any error a PostgreSQL server or its client library reports (the one psycopg name the layers above use).
ServerError = psycopg.Error
#: The server cannot be reached, refused the login, or went away.
ServerUnavailable = psycopg.OperationalError
#: Every pooled connection of this server process stayed busy for the pool's timeout (a kind of ServerUnavailable).
PoolBusy = PoolTimeout
#: A statement ran past the readers' statement_timeout (a kind of ServerUnavailable).
QueryTimeout = psycopg.errors.QueryCanceled


class DatabaseBusy(RuntimeError):
    """Another import, upgrade or demo build is writing the same database."""


class DatabaseMissing(FileNotFoundError):
    """The configured database does not exist (and is not the default one, which is built)."""


class RowsRefused(ValueError):
    """The database's constraints refused rows of a table (``table``; ``column`` when the database names one)."""

    def __init__(self, table: str, column: str | None, message: str) -> None:
        super().__init__(f"{table}: {message}")
        self.table, self.column, self.message = table, column, message
