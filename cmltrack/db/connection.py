"""Opening the database: read-only for the app; the demo database is built only at the default path."""

from __future__ import annotations

from pathlib import Path

import duckdb

DEMO_SOURCE = "demo cohort (ASH 2012 abstract)"


class DatabaseMissing(FileNotFoundError):
    """The configured database file does not exist (and is not the default one, which is built)."""


def ensure_database(path: str | Path, default: str | Path | None = None) -> Path:
    """Return ``path``; when no file exists there, build the demo database if ``path`` is the ``default`` path,
    else raise DatabaseMissing (a mistyped or unmounted path must never turn into fake patients)."""
    target = Path(path)
    if target.exists():
        return target
    if default is None or target.resolve() != Path(default).resolve():
        raise DatabaseMissing(f"no database file at {target}")
    from cmltrack.db.store import write_database
    from cmltrack.demo import demo_frames

    write_database(target, demo_frames(), source=DEMO_SOURCE)
    return target


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The schema version a database was written with (None when it has no cmltrack metadata)."""
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return None
    return None if row is None else int(row[0])


#: The catalog name the database file is attached under.
ALIAS = "registry"


def open_readonly(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only view of the file as it is now; share it across threads through `cursor_for`.

    Each call gets a private in-memory DuckDB with the file attached. A plain ``duckdb.connect(path)`` would go
    through DuckDB's process-wide instance cache and, while any connection to a file that has since been replaced
    (an import) is open, hand back the old contents. Connections opened before a replacement keep their snapshot.
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS {ALIAS} (READ_ONLY)")
        con.execute(f"USE {ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


def cursor_for(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A new cursor on ``con`` (one per thread or session) reading the attached file."""
    cur = con.cursor()
    cur.execute(f"USE {ALIAS}")
    return cur
