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


def open_readonly(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection; share it across threads through ``.cursor()``, one per session."""
    return duckdb.connect(str(path), read_only=True)
