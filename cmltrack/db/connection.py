"""Opening the database: read-only for the app, built from the demo cohort when the file is missing."""

from __future__ import annotations

from pathlib import Path

import duckdb


def ensure_database(path: str | Path) -> Path:
    """Return ``path``, first building the demo database there if no file exists."""
    target = Path(path)
    if not target.exists():
        from cmltrack.db.store import write_database
        from cmltrack.demo import demo_frames

        write_database(target, demo_frames(), source="demo cohort (ASH 2012 abstract)")
    return target


def open_readonly(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection; share it across threads through ``.cursor()``, one per session."""
    return duckdb.connect(str(path), read_only=True)
