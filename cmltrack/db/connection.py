"""Opening the database (a DuckDB file, or a PostgreSQL registry named by a postgresql:// URL): read-only for the
app; the demo database is built only at the default path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from cmltrack.db.postgres import PgReader, is_postgres, open_reader, stored_schema_version, table_columns

DEMO_SOURCE = "demo cohort (ASH 2012 abstract)"


class DatabaseMissing(FileNotFoundError):
    """The configured database file does not exist (and is not the default one, which is built)."""


#: A DuckDB file, or a PostgreSQL URL.
Target = str | Path
#: What the query layer reads through: a DuckDB connection or cursor, or a PostgreSQL reader.
Connection = Any


def ensure_database(path: Target, default: str | Path | None = None) -> Target:
    """Return ``path``; when no file exists there, build the demo database if ``path`` is the ``default`` path,
    else raise DatabaseMissing (a mistyped or unmounted path must never turn into fake patients). A PostgreSQL URL
    is returned as it is: a server's registry is written by ``migrate`` or ``import``, never made up."""
    if is_postgres(path):
        return path
    target = Path(path)
    if target.exists():
        return target
    if default is None or target.resolve() != Path(default).resolve():
        raise DatabaseMissing(f"no database file at {target}")
    from cmltrack.cohorts.demo import demo_frames
    from cmltrack.db.store import write_database

    write_database(target, demo_frames(), source=DEMO_SOURCE)
    return target


def schema_version(con: Connection) -> int | None:
    """The schema version a database was written with (None when it has no cmltrack metadata)."""
    if isinstance(con, PgReader):
        return stored_schema_version(con)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return None
    return None if row is None else int(row[0])


#: The catalog name the database file is attached under.
ALIAS = "registry"


def quoted_path(path: str | Path) -> str:
    """A file path as a DuckDB string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def open_readonly(path: Target) -> Connection:
    """A read-only view of the database as it is now; share it across threads through `cursor_for`.

    A PostgreSQL URL gives a pooled reader (cmltrack.db.postgres) that runs the same SQL.

    Each call gets a private in-memory DuckDB with the file attached. A plain ``duckdb.connect(path)`` would go
    through DuckDB's process-wide instance cache and, while any connection to a file that has since been replaced
    (an import) is open, hand back the old contents. Connections opened before a replacement keep their snapshot.
    """
    if is_postgres(path):
        return open_reader(path)
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH {quoted_path(path)} AS {ALIAS} (READ_ONLY)")
        con.execute(f"USE {ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


def cursor_for(con: Connection) -> Connection:
    """A new cursor on ``con`` (one per thread or session) reading the attached file (a PostgreSQL reader is its
    own cursor: each statement borrows a pooled connection)."""
    if isinstance(con, PgReader):
        return con
    cur = con.cursor()
    cur.execute(f"USE {ALIAS}")
    return cur


def columns_of(con: Connection, table: str) -> set[str]:
    """The columns ``table`` has in the opened database (empty when it has no such table: an older schema)."""
    if isinstance(con, PgReader):
        return table_columns(con, table)
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_catalog = ?",
        [table, ALIAS]).fetchall()}


def exists(target: Target) -> bool:
    """Whether a cmltrack database is there: the file exists, or the server's schema holds the registry."""
    if not is_postgres(target):
        return Path(target).exists()
    with open_reader(str(target), max_connections=1) as con:
        return bool(table_columns(con, "meta"))
