"""Opening the database (a DuckDB file, or a PostgreSQL registry named by a postgresql:// URL): read-only for the
app. The demo database is built only at the default path, when no file is there; the one file the app ever
rewrites is a demo database it built itself, in an older schema, after keeping a backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from cmltrack.db.guard import check_version
from cmltrack.db.postgres import PgReader, is_postgres, open_reader, stored_schema_version, table_columns
from cmltrack.db.schema import SCHEMA_VERSION

DEMO_SOURCE = "demo cohort (ASH 2012 abstract)"
#: Seconds a session waits for another session (or process) building or upgrading the demo database.
BUILD_WAIT_S = 300.0


class DatabaseMissing(FileNotFoundError):
    """The configured database file does not exist (and is not the default one, which is built)."""


#: A DuckDB file, or a PostgreSQL URL.
Target = str | Path
#: What the query layer reads through: a DuckDB connection or cursor, or a PostgreSQL reader.
Connection = Any


def _is_default(target: Path, default: str | Path | None) -> bool:
    return default is not None and target.resolve() == Path(default).resolve()


def ensure_database(path: Target, default: str | Path | None = None) -> Target:
    """Return ``path``; when no file exists there, build the demo database if ``path`` is the ``default`` path,
    else raise DatabaseMissing (a mistyped or unmounted path must never turn into fake patients). A PostgreSQL URL
    is returned as it is: a server's registry is written by ``migrate`` or ``import``, never made up.

    Sessions arriving together while the demo is built wait for that build (up to BUILD_WAIT_S; DatabaseBusy
    after that) and then read it; exactly one of them builds it."""
    if is_postgres(path):
        return path
    target = Path(path)
    if target.exists():
        return target
    if not _is_default(target, default):
        raise DatabaseMissing(f"no database file at {target}")
    from cmltrack.cohorts.demo import demo_frames
    from cmltrack.db.lock import writer_lock
    from cmltrack.db.store import write_database

    with writer_lock(target, wait_s=BUILD_WAIT_S):
        if not target.exists():  # built by another session while this one waited
            write_database(target, demo_frames(), source=DEMO_SOURCE)
    return target


def check_registry(con: Connection, where: str) -> None:
    """Raise NotARegistry, NewerSchema or OlderSchema (cmltrack.db.guard) unless ``con`` reads a cmltrack registry
    of the current schema; ``where`` names it in the message."""
    version = schema_version(con)
    check_version(version, where, None if version is not None else sorted(_tables(con)))


def _tables(con: Connection) -> set[str]:
    if isinstance(con, PgReader):
        return {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ?", [ALIAS]).fetchall()}


def refresh_own_demo(path: Target, default: str | Path | None, con: Connection) -> bool:
    """Upgrade the demo database the app built at the ``default`` path when ``con`` (reading it) finds it in an
    older schema: its facts are kept, a backup is kept (PATH.bak-<version>), and sessions arriving together wait
    for one upgrade. Return whether it was rewritten; any other database is never rewritten by the app."""
    if is_postgres(path) or not _is_default(Path(path), default):
        return False
    version = schema_version(con)
    if version is None or version >= SCHEMA_VERSION:
        return False
    from cmltrack.db.lock import writer_lock
    from cmltrack.db.queries import database_source
    from cmltrack.db.store import upgrade_database

    if database_source(con) != DEMO_SOURCE:  # imported or synthetic data: only the command line upgrades it
        return False
    with writer_lock(path, wait_s=BUILD_WAIT_S):
        with open_readonly(path) as fresh:  # another session may have upgraded it while this one waited
            current = schema_version(fresh) == SCHEMA_VERSION
        if not current:
            upgrade_database(path)
    return True


def replaceable_version(path: Target) -> int | None:
    """The schema version of the registry at ``path`` that a writer is about to replace (None: nothing there yet);
    NotARegistry when the file is not a cmltrack registry, NewerSchema when a newer cmltrack wrote it (neither may
    be written over). An older version is returned: the writer keeps a backup first."""
    from cmltrack.db.guard import NotARegistry, OlderSchema, describe_file

    if not exists(path):
        return None
    try:
        con = open_readonly(path)
    except duckdb.Error as exc:
        raise NotARegistry(f"{path} is {describe_file(path)} (DuckDB: {str(exc).splitlines()[0]}); cmltrack does "
                           "not write over it") from None
    with con:
        try:
            check_registry(con, str(path))
        except OlderSchema as exc:
            return exc.version
        return SCHEMA_VERSION


def schema_version(con: Connection) -> int | None:
    """The schema version a database was written with (None when it has no cmltrack metadata)."""
    if isinstance(con, PgReader):
        return stored_schema_version(con)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return None
    return _version(row)


def _version(row: tuple | None) -> int | None:
    """meta's schema_version as a number; None when missing or not a number (not a cmltrack registry)."""
    try:
        return None if row is None else int(row[0])
    except (TypeError, ValueError):
        return None


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
    # never a DuckDB extension fetched from the network to read a file of another kind (an SQLite file would be)
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        con.execute(f"ATTACH {quoted_path(path)} AS {ALIAS} (TYPE DUCKDB, READ_ONLY)")
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
