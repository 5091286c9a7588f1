"""Which registry a database setting names, and the registry class that handles it: the one place in cmltrack
that tells the engines apart (a DuckDB file path, or a postgresql:// URL)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cmltrack.db.duckdb_file import DuckDBFile
from cmltrack.db.errors import DatabaseMissing
from cmltrack.db.postgres import PostgresRegistry, copy_registry, redacted, registry_patients, row_counts
from cmltrack.db.registry import Registry
from cmltrack.db.schema import SCHEMA_VERSION

#: A DuckDB file, or a PostgreSQL URL.
Target = str | Path

#: "scheme://" at the start of a database setting.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
#: Spellings of a PostgreSQL address read as postgresql:// (libpq's two, and SQLAlchemy's driver-qualified ones).
_PG_SCHEMES = frozenset({"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"})


def is_postgres(target: object) -> bool:
    """Whether a database setting names a PostgreSQL server (postgresql://... or postgres://...)."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def database_target(value: str) -> Path | str:
    """A database setting as cmltrack reads it: a PostgreSQL address (any spelling of its scheme, as
    ``postgresql://``), else a file path. Any other ``scheme://`` is refused with ValueError naming only the scheme:
    the value may hold a password, and read as a file path it would be echoed, or even made into folders."""
    match = _SCHEME.match(value)
    if match is None:
        return Path(value).expanduser()
    scheme = match.group(1).lower()
    if scheme in _PG_SCHEMES:
        return "postgresql://" + value[match.end():]
    raise ValueError(f"a database address starting {scheme}:// is not supported: give a DuckDB file path or a "
                     "postgresql:// URL")


def open_registry(target: Target, derive: Callable[..., dict[str, pd.DataFrame]] | None = None) -> Registry:
    """The registry at ``target`` (a file path, or a postgresql:// URL); writers hand in the derivation."""
    return PostgresRegistry(str(target), derive) if is_postgres(target) else DuckDBFile(target, derive)


def writer_lock(target: Target, wait_s: float = 0.0) -> contextlib.AbstractContextManager[None]:
    """Hold the writer lock of the registry at ``target`` (re-entrant within a thread); DatabaseBusy after
    ``wait_s`` seconds."""
    return open_registry(target).writer_lock(wait_s)


def migrate_database(source: Target, url: str, replace: bool = False) -> dict[str, int]:
    """Copy every table of the DuckDB file ``source`` into the PostgreSQL registry at ``url`` in one transaction;
    then check, in a new connection, that each table holds as many rows as the file. A registry that already holds
    patients is replaced only with ``replace`` (else ValueError). Returns the row count of each table."""
    if is_postgres(source) or not is_postgres(url):
        raise ValueError("migrate copies a DuckDB file (--db) to a postgresql:// URL (--to)")
    file, server = DuckDBFile(source), PostgresRegistry(url)
    if not file.exists():
        raise DatabaseMissing(f"no database file at {source}")
    with server.writer_lock(), file.reading() as con:
        held = registry_patients(url)
        if held and not replace:
            raise ValueError(f"{redacted(url)} already holds a registry of {held} patients; migrate --replace "
                             "overwrites it (or import --db adds patients to it)")
        version = file.schema_version(con)
        if version != SCHEMA_VERSION:
            raise ValueError(f"{source} is in schema {version}, this cmltrack writes schema {SCHEMA_VERSION}: run "
                             f"`python -m cmltrack upgrade --db {source}` first")
        copied = copy_registry(con, url)
    on_server = row_counts(url)
    if on_server != copied:
        raise RuntimeError(f"row counts differ after the migration to {redacted(url)}: file {copied}, "
                           f"server {on_server}")
    return copied


def database_label(target: Target) -> str:
    """The database as shown to users and in logs: a server address never shows its password."""
    return open_registry(target).label
