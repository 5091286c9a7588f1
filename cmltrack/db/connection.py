"""Reading a registry by its address, for callers that hold only the address (the CLI, tests, benches): each
function opens the registry (cmltrack.db.target) and asks it, so none of them depends on the engine."""

from __future__ import annotations

import pandas as pd

from cmltrack.db.errors import DatabaseMissing
from cmltrack.db.registry import Connection
from cmltrack.db.target import Target, open_registry

__all__ = ["Connection", "DatabaseMissing", "Target", "columns_of", "cursor_for", "exists", "open_readonly",
           "read_frames", "schema_version"]


def open_readonly(target: Target) -> Connection:
    """A read-only reader of the registry at ``target`` as it is now; share it across threads through
    ``cursor_for``. Readers opened before a write keep the version they read."""
    return open_registry(target).open_reader()


def cursor_for(con: Connection) -> Connection:
    """A new cursor on a reader ``open_readonly`` gave (one per thread or session)."""
    return _registry_of(con).cursor(con)


def schema_version(con: Connection) -> int | None:
    """The schema version the registry ``con`` reads was written with (None: no cmltrack metadata)."""
    return _registry_of(con).schema_version(con)


def columns_of(con: Connection, table: str) -> set[str]:
    """The columns ``table`` has in the registry ``con`` reads (empty when it has no such table)."""
    return _registry_of(con).columns_of(con, table)


def exists(target: Target) -> bool:
    """Whether a cmltrack registry is there: the file exists, or the server's schema holds the registry."""
    return open_registry(target).exists()


def read_frames(target: Target, upgrading: bool = False) -> tuple[dict[str, pd.DataFrame], str]:
    """The fact tables of the registry at ``target`` and its source (Registry.read_frames)."""
    return open_registry(target).read_frames(upgrading)


def _registry_of(con: Connection) -> object:
    """The registry class that reads through ``con`` (a PostgreSQL reader knows its URL; a DuckDB cursor reads the
    attached file)."""
    url = getattr(con, "url", None)
    return open_registry(url if url is not None else _attached_file(con))


def _attached_file(con: Connection) -> str:
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return row[0] if row and row[0] else ":memory:"
