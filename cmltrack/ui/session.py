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

import duckdb
import streamlit as st

from cmltrack import config
from cmltrack.config import ENV_VAR
from cmltrack.db.errors import DatabaseBusy, DatabaseMissing, PoolBusy, QueryTimeout, ServerError, ServerUnavailable
from cmltrack.db.guard import NewerSchema, NotARegistry, OlderSchema, RegistryMismatch, describe_file
from cmltrack.db.registry import Connection, Registry
from cmltrack.registry import ensure_database, refresh_own_demo, registry
from cmltrack.ui.escape import code, md

log = logging.getLogger("cmltrack")
_run = threading.local()


@st.cache_resource(show_spinner="Opening the database...", max_entries=4, on_release=lambda reader: reader.close())
def _reader(label: str, opened: object, _registry: Registry) -> Connection:
    """The shared read-only reader of one registry as it was when ``opened`` (a DuckDB file's modification time: a
    replaced file gets a new reader; a PostgreSQL registry's address: one pool serves every version)."""
    reader = _registry.open_reader()
    log.info("opened database %s", label)
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


def _open(reg: Registry, opened: object) -> Connection:
    """The registry's shared reader, or the page stopped with what to do (nothing is changed)."""
    try:
        return _reader(reg.label, opened, reg)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            log.warning("database file is locked by another process")
            _stop(f"**The database is busy:** another program holds {md(reg.label)} for writing (an import, or a "
                  "second copy of a tool that opens it read-write). Wait until it has finished, then reload this "
                  "page. If it stays busy, close the other program; cmltrack itself only ever reads this file.")
        log.warning("database file could not be opened: %s", type(exc).__name__)
        _stop(f"**The database file is damaged or is not a cmltrack database:** {md(reg.label)} is "
              f"{md(describe_file(reg.label))}. It was left as it is. Restore it from a backup, write the database "
              f"again, {_elsewhere()}.")
    except ValueError as exc:  # an address that cannot be parsed (never echoed: it may hold a password)
        _stop(f"**The database address is not valid:** {md(exc)}. Check {ENV_VAR} or `db` under [cmltrack] in "
              "secrets.toml.")
    except ServerError as exc:
        _server_unreachable(reg, exc)
    raise AssertionError  # not reached: st.stop() ends the run


def _mismatch(reg: Registry, exc: RegistryMismatch) -> None:
    """Stop the page saying why this cmltrack does not read the registry, and what to do; nothing is changed."""
    log.warning("database not read: %s (schema %s)", type(exc).__name__, exc.version)
    where = reg.label
    if isinstance(exc, NewerSchema):
        _stop(f"**Update cmltrack to read this database.** {md(exc)}. Install the newer cmltrack on this server, "
              f"{_elsewhere()}.")
    if isinstance(exc, NotARegistry):
        _stop(f"**This is not a cmltrack database.** {md(exc)}. Point {ENV_VAR} at a cmltrack database, or move the "
              "file away to let cmltrack build its demo database there.")
    _stop(f"**This database needs an upgrade.** {md(exc)}. Upgrade it with "
          f"{code(f'python -m cmltrack upgrade --db {where}')} (facts are kept, derived tables recomputed"
          + ("; the old file is kept beside it as a backup)." if reg.keeps_backups else ", in one transaction)."))


def _server_said(reg: Registry, exc: ServerError) -> str:
    return reg.redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)


def _server_unreachable(reg: Registry, exc: ServerError) -> None:
    log.warning("database server unreachable: %s", type(exc).__name__)
    _stop(f"**The database server cannot be reached:** {md(reg.label)}. Check that PostgreSQL is running "
          f"and that this server may connect to it, then reload this page. (The server said: "
          f"{md(_server_said(reg, exc))})")


def _server_failed(reg: Registry, exc: ServerError) -> None:
    """Stop the page with what a database server's error during a run means for the user."""
    if isinstance(exc, PoolBusy):
        log.warning("every database connection of this replica is busy")
        _stop(f"**The database is busy:** every connection this app server keeps to {md(reg.label)} is in "
              "use by other sessions. Reload this page in a moment; if it keeps happening, run more replicas.")
    if isinstance(exc, QueryTimeout):
        log.warning("a database query ran past the statement timeout")
        _stop(f"**The database took too long to answer** ({md(reg.label)}): the query was stopped after "
              "60 s. Reload this page; if an import or upgrade is running, wait until it has finished.")
    if isinstance(exc, ServerUnavailable):
        _server_unreachable(reg, exc)
    log.warning("database server error: %s", type(exc).__name__)
    _stop(f"**The database server reported an error:** {md(reg.label)}. Reload this page; if it persists, "
          f"ask the server's administrator. (The server said: {md(_server_said(reg, exc))})")


def _registry() -> Registry:
    """The configured registry; a setting cmltrack cannot read stops the page with what to fix."""
    try:
        return registry(config.database_path())
    except ValueError as exc:
        _stop(f"**The database setting is not valid:** {md(exc)}.")
        raise  # not reached: st.stop() ends the run


def _ensure(reg: Registry) -> None:
    """The demo database built first when the default path is empty (sessions arriving together wait for that
    one build); a missing configured database stops the page."""
    try:
        if reg.builds_demo(config.DEFAULT_DB):
            with st.spinner("Building the demo database (first start)..."):
                ensure_database(reg, default=config.DEFAULT_DB)
        else:
            ensure_database(reg, default=config.DEFAULT_DB)
    except DatabaseMissing as exc:
        _stop(f"**The database is missing:** {md(exc)}. {config.configured_by()} points there. Check the path (a "
              f"typo, or a drive that is not mounted), {_elsewhere()}.")
    except DatabaseBusy as exc:
        _busy(exc)


def _busy(exc: DatabaseBusy) -> None:
    log.warning("database busy while building or upgrading the demo database")
    _stop(f"**The database is busy:** {md(exc)}. Reload this page in a moment.")


def _checked(reg: Registry, con: Connection, opened: object) -> Connection:
    """Check the registry ``con`` reads (there, current schema; the app's own demo database in an older schema
    is upgraded) the first time this session sees its version, and record that version; return ``con``."""
    version = reg.version(con, opened)
    if version is None:
        _stop(f"**No cmltrack registry on this server yet:** {md(reg.label)}. Copy one there with "
              f"{code(f'python -m cmltrack migrate --db FILE.duckdb --to {reg.label}')}, or import data into it "
              f"with {code(f'python -m cmltrack import --db {reg.label} FILES')}.")
    key = (reg.label, version)
    if st.session_state.get("_db_key") != key:
        try:
            reg.check(con)
        except OlderSchema as exc:
            try:
                rewritten = refresh_own_demo(reg, config.DEFAULT_DB, con)
            except DatabaseBusy as busy:
                _busy(busy)
            if rewritten:  # the app's own demo database, kept as PATH.bak-<version> first
                log.info("upgraded the embedded demo database from schema %s", exc.version)
                st.rerun()
            _mismatch(reg, exc)
        except RegistryMismatch as exc:
            _mismatch(reg, exc)
        st.session_state["_db_key"] = key
    return con


def _session_cursor(reg: Registry) -> tuple[Connection, object]:
    """This session's cursor on the registry's current reader (a new one when the reader changed), and which
    reader that is."""
    _ensure(reg)
    opened = reg.reader_key()
    held = st.session_state.get("_db_reader")
    if held is None or held[0] != (reg.label, opened):
        held = ((reg.label, opened), reg.cursor(_open(reg, opened)))
        st.session_state["_db_reader"] = held
    return held[1], opened


def _current() -> Connection:
    reg = _registry()
    try:
        cur, opened = _session_cursor(reg)
        with reg.snapshot(cur) as con:
            _checked(reg, con, opened)
        return cur
    except ServerError as exc:
        _server_failed(reg, exc)
    raise AssertionError  # not reached: st.stop() ends the run


@contextlib.contextmanager
def pinned() -> Iterator[Connection]:
    """Open (or reuse) the session's cursor and keep it for every query of this script run: one file version, or one
    read-only snapshot of a PostgreSQL registry (a pooled connection held for the run). A database server lost
    during the run stops the page with what to do, not a traceback."""
    reg = _registry()
    try:
        cur, opened = _session_cursor(reg)
        with reg.snapshot(cur) as con:
            _run.cursor = _checked(reg, con, opened)
            yield _run.cursor
    except ServerError as exc:  # only a database server raises these
        _server_failed(reg, exc)
    finally:
        _run.cursor = None


def database_key() -> tuple[str, object]:
    """The version of the database this session reads, the cache key of its queries: (path, modification time)
    of a file, (server address, generation) of a PostgreSQL registry."""
    cursor()  # opens the current version when none is yet
    return st.session_state["_db_key"]


def cursor() -> Connection:
    """This run's cursor (pinned by app.py), or the session's current one outside a pinned run."""
    return getattr(_run, "cursor", None) or _current()
