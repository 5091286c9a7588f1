"""The database connection (one per file version, shared) and one cursor per browser session.

Within one script run every query uses the same cursor, so a file replaced during a run (a new database renamed
over the old one) is seen by the next run, never by half of this one. A missing, damaged, locked, outdated or newer
file, or one that is not a cmltrack registry, stops the page with what to do and is left as it is. The embedded
default database is built when missing (sessions arriving together wait for one build); the only file the app
rewrites is that demo database in an older schema, keeping a backup.

A PostgreSQL registry (CMLTRACK_DB=postgresql://...) is read through one connection pool per server process; its
version is the generation token every write stores in meta, read once per run, so an import made through any
replica is seen by every replica's next run. An unreachable server stops the page with its address (no password).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import streamlit as st

from cmltrack import config
from cmltrack.config import ENV_VAR, database_label, database_path
from cmltrack.db.connection import (
    Connection,
    DatabaseMissing,
    check_registry,
    cursor_for,
    ensure_database,
    open_readonly,
    refresh_own_demo,
    schema_version,
)
from cmltrack.db.guard import NewerSchema, NotARegistry, OlderSchema, RegistryMismatch, describe_file
from cmltrack.db.lock import DatabaseBusy
from cmltrack.db.postgres import (
    PgRegistry,
    PoolBusy,
    QueryTimeout,
    ServerError,
    ServerUnavailable,
    generation,
    is_postgres,
    without_password,
)
from cmltrack.ui.escape import code, md

log = logging.getLogger("cmltrack")
_run = threading.local()


@st.cache_resource(show_spinner="Opening the database...", max_entries=4)
def _connection(path: str, mtime_ns: int) -> Connection:
    """Read-only connection to one version of the file (a replaced file has a new mtime, so a new connection)."""
    con = open_readonly(path)
    log.info("opened database version %s (schema %s)", mtime_ns, schema_version(con))
    return con


@st.cache_resource(show_spinner="Connecting to the database server...", max_entries=2,
                   on_release=lambda reader: reader.close())
def _server(url: str) -> PgRegistry:
    """The pooled reader of a PostgreSQL registry, shared by every session of this server process."""
    reader = open_readonly(url)
    log.info("connected to %s", database_label(url))
    return reader


def _stop(message: str) -> None:
    st.error(message, icon=":material/database:")
    st.stop()


def _elsewhere() -> str:
    """What to do instead of this database: remove the setting that names it (when one does), or set one."""
    setting = config.configured_by()
    if setting is not None:
        return f"or remove {setting} to use the demo database"
    return f"or set {ENV_VAR} to the path of a cmltrack database"


def _open(path: Path, key: tuple[str, int]) -> Connection:
    try:
        return cursor_for(_connection(*key))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            log.warning("database file is locked by another process")
            _stop(f"**The database is busy:** another program holds {md(path)} for writing (an import, or a second "
                  "copy of a tool that opens it read-write). Wait until it has finished, then reload this page. If "
                  "it stays busy, close the other program; cmltrack itself only ever reads this file.")
        log.warning("database file could not be opened: %s", type(exc).__name__)
        _stop(f"**The database file is damaged or is not a cmltrack database:** {md(path)} is "
              f"{md(describe_file(path))}. It was left as it is. Restore it from a backup, write the database "
              f"again, {_elsewhere()}.")
        raise  # not reached: st.stop() ends the run


def _mismatch(path: Path | str, exc: RegistryMismatch) -> None:
    """Stop the page saying why this cmltrack does not read the registry, and what to do; nothing is changed."""
    log.warning("database not read: %s (schema %s)", type(exc).__name__, exc.version)
    where = database_label(path)
    if isinstance(exc, NewerSchema):
        _stop(f"**Update cmltrack to read this database.** {md(exc)}. Install the newer cmltrack on this server, "
              f"{_elsewhere()}.")
    if isinstance(exc, NotARegistry):
        _stop(f"**This is not a cmltrack database.** {md(exc)}. Point {ENV_VAR} at a cmltrack database, or move the "
              "file away to let cmltrack build its demo database there.")
    _stop(f"**This database needs an upgrade.** {md(exc)}. Upgrade it with "
          f"{code(f'python -m cmltrack upgrade --db {where}')} (facts are kept, derived tables recomputed"
          + ("; the old file is kept beside it as a backup)." if not is_postgres(path) else ", in one transaction)."))


def _server_said(url: str, exc: ServerError) -> str:
    return without_password(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__, url)


def _server_unreachable(url: str, exc: ServerError) -> None:
    log.warning("database server unreachable: %s", type(exc).__name__)
    _stop(f"**The database server cannot be reached:** {md(database_label(url))}. Check that PostgreSQL is running "
          f"and that this server may connect to it, then reload this page. (The server said: "
          f"{md(_server_said(url, exc))})")


def _server_failed(url: str, exc: ServerError) -> None:
    """Stop the page with what a PostgreSQL error during a run means for the user."""
    if isinstance(exc, PoolBusy):
        log.warning("every database connection of this replica is busy")
        _stop(f"**The database is busy:** every connection this app server keeps to {md(database_label(url))} is in "
              "use by other sessions. Reload this page in a moment; if it keeps happening, run more replicas.")
    if isinstance(exc, QueryTimeout):
        log.warning("a database query ran past the statement timeout")
        _stop(f"**The database took too long to answer** ({md(database_label(url))}): the query was stopped after "
              "60 s. Reload this page; if an import or upgrade is running, wait until it has finished.")
    if isinstance(exc, ServerUnavailable):
        _server_unreachable(url, exc)
    log.warning("database server error: %s", type(exc).__name__)
    _stop(f"**The database server reported an error:** {md(database_label(url))}. Reload this page; if it persists, "
          f"ask the server's administrator. (The server said: {md(_server_said(url, exc))})")


def _open_server(url: str) -> PgRegistry:
    try:
        return _server(url)
    except ValueError as exc:  # an address that cannot be parsed (never echoed: it may hold a password)
        _stop(f"**The database address is not valid:** {md(exc)}. Check {ENV_VAR} or `db` under [cmltrack] in "
              "secrets.toml.")
    except ServerError as exc:
        _server_unreachable(url, exc)
    raise AssertionError  # not reached: st.stop() ends the run


def _current_server(url: str, con: Connection) -> Connection:
    """Check the registry ``con`` sees (present, current schema) and record its version; return ``con``."""
    token = generation(con)
    if token is None:
        where = database_label(url)
        _stop(f"**No cmltrack registry on this server yet:** {md(where)}. Copy one there with "
              f"{code(f'python -m cmltrack migrate --db FILE.duckdb --to {where}')}, or import data into it with "
              f"{code(f'python -m cmltrack import --db {where} FILES')}.")
    key = (database_label(url), token)
    if st.session_state.get("_db_key") != key:
        try:
            check_registry(con, database_label(url))
        except RegistryMismatch as exc:
            _mismatch(url, exc)
        st.session_state["_db_cursor"] = cursor_for(_open_server(url))
        st.session_state["_db_key"] = key
    return con


def _target() -> Path | str:
    """The configured database; a setting cmltrack cannot read stops the page with what to fix."""
    try:
        return database_path()
    except ValueError as exc:
        _stop(f"**The database setting is not valid:** {md(exc)}.")
        raise  # not reached: st.stop() ends the run


def _ensure(target: Path) -> Path:
    """The database file, the demo built first when the default path is empty (sessions arriving together wait
    for that one build)."""
    try:
        if target.exists():
            return ensure_database(target, default=config.DEFAULT_DB)
        with st.spinner("Building the demo database (first start)..."):
            return ensure_database(target, default=config.DEFAULT_DB)
    except DatabaseMissing as exc:
        _stop(f"**The database is missing:** {md(exc)}. {config.configured_by()} points there. Check the path (a "
              f"typo, or a drive that is not mounted), {_elsewhere()}.")
    except DatabaseBusy as exc:
        _busy(exc)
    raise AssertionError  # not reached: st.stop() ends the run


def _busy(exc: DatabaseBusy) -> None:
    log.warning("database busy while building or upgrading the demo database")
    _stop(f"**The database is busy:** {md(exc)}. Reload this page in a moment.")


def _current() -> Connection:
    target = _target()
    if is_postgres(target):
        try:
            return _current_server(str(target), _open_server(str(target)))
        except ServerError as exc:
            _server_failed(str(target), exc)
    path = _ensure(Path(target))
    key = (str(path), path.stat().st_mtime_ns)
    if st.session_state.get("_db_key") != key:
        cur = _open(path, key)
        try:
            check_registry(cur, str(path))
        except OlderSchema as exc:
            try:
                rewritten = refresh_own_demo(path, config.DEFAULT_DB, cur)
            except DatabaseBusy as busy:
                _busy(busy)
            if rewritten:  # the app's own demo database, kept as PATH.bak-<version> first
                log.info("upgraded the embedded demo database from schema %s", exc.version)
                st.rerun()
            _mismatch(path, exc)
        except RegistryMismatch as exc:
            _mismatch(path, exc)
        st.session_state["_db_cursor"] = cur
        st.session_state["_db_key"] = key
    return st.session_state["_db_cursor"]


@contextlib.contextmanager
def pinned() -> Iterator[Connection]:
    """Open (or reuse) the session's cursor and keep it for every query of this script run: one file version, or one
    read-only snapshot of a PostgreSQL registry (a pooled connection held for the run). A database server lost
    during the run stops the page with what to do, not a traceback."""
    target = _target()
    try:
        with contextlib.ExitStack() as stack:
            if is_postgres(target):
                snapshot = stack.enter_context(_open_server(str(target)).snapshot())
                _run.cursor = _current_server(str(target), snapshot)
            else:
                _run.cursor = _current()
            yield _run.cursor
    except ServerError as exc:  # only a PostgreSQL target raises these
        _server_failed(str(target), exc)
    finally:
        _run.cursor = None


def database_key() -> tuple[str, int | str]:
    """The version of the database this session reads, the cache key of its queries: (path, modification time)
    of a file, (server address, generation) of a PostgreSQL registry."""
    cursor()  # opens the current version when none is yet
    return st.session_state["_db_key"]


def cursor() -> Connection:
    """This run's cursor (pinned by app.py), or the session's current one outside a pinned run."""
    return getattr(_run, "cursor", None) or _current()
