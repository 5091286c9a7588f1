"""The PostgreSQL backend: the same SQL text as DuckDB, read through a pool, written in one transaction.

Mechanism. The queries in cmltrack.db are written once, in the SQL both engines run (ANSI joins, ``= ANY(?)``,
``generate_series``, date subtraction, FILTER, window functions). This module adapts the only differences left:
DuckDB's ``?`` placeholders become psycopg's ``%s``, and PostgreSQL rows become DataFrames with the dtypes DuckDB's
``.df()`` gives, so pages and figure builders cannot tell the engines apart (tests compare the two frame by frame).

Writes never go row by row from Python. A database is first built in an in-memory DuckDB with the very same schema and
checks (cmltrack.db.store), then each table is streamed into PostgreSQL with COPY inside one transaction that also
replaces the old rows, checks every table's row count and commits. Readers keep seeing the old registry until the
commit (MVCC), and a failure at any row leaves the server exactly as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import psycopg
from psycopg import sql as pgsql
from psycopg_pool import ConnectionPool

from cmltrack.db.errors import DatabaseBusy, PoolBusy, QueryTimeout, ServerError, ServerUnavailable
from cmltrack.db.lock import reentrant
from cmltrack.db.registry import WRITTEN, Connection, Deriving, Progress, Registry, build, written_at
from cmltrack.db.schema import ALL_TABLES, COLUMNS, DDL, SCHEMA_VERSION
from cmltrack.db.store import quoted_path

__all__ = ["ALL_TABLES", "PoolBusy", "PostgresRegistry", "QueryTimeout", "ServerError", "ServerUnavailable",
           "copy_registry", "generation", "open_reader", "redacted", "row_counts", "without_password"]

#: Indexes PostgreSQL needs for the per-patient reads that have no primary key to use.
EXTRA_DDL: tuple[str, ...] = ("CREATE INDEX adverse_events_patient ON adverse_events (patient_id)",
                              "CREATE INDEX concomitant_medications_patient ON concomitant_medications (patient_id)")
#: pg_advisory_lock key held by the one writer of a registry (the bytes of "cmltrack").
WRITER_LOCK_KEY = int.from_bytes(b"cmltrack", "big") & 0x7FFF_FFFF_FFFF_FFFF
#: Every app connection is read-only and gives up on a query after this long.
READER_OPTIONS = "-c default_transaction_read_only=on -c statement_timeout=60000"
#: Seconds a schema upgrade waits for page runs reading the registry before it gives up (DatabaseBusy).
UPGRADE_LOCK_WAIT_S = 10
def redacted(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unparseable address)"
    user = f"{info['user']}@" if info.get("user") else ""
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{info.get('host', '')}{port}/{info.get('dbname', '')}"


# ---------------------------------------------------------------------------------------------------- reading


@functools.lru_cache(maxsize=256)
def to_pg_sql(text: str) -> str:
    """DuckDB's ``?`` placeholders as psycopg's ``%s`` (and a literal ``%`` doubled), outside quoted strings and
    ``--`` comments. The result is always executed with a parameter list (possibly empty), which undoes the
    doubling."""
    out: list[str] = []
    quote: str | None = None  # the open quote, or "-" inside a -- comment
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == ("\n" if quote == "-" else quote) else quote
            out.append("%%" if ch == "%" else ch)
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "-" and text.startswith("--", i):
            quote = "-"
            out.append(ch)
        else:
            out.append("%s" if ch == "?" else "%%" if ch == "%" else ch)
    return "".join(out)


def _param(value: Any) -> Any:
    """A bound value PostgreSQL accepts. Its text type cannot hold NUL, so NUL becomes U+FFFD: a value containing
    NUL equals no stored value in DuckDB, and after the swap it still equals none (stored text never holds U+FFFD
    next to where a NUL was typed)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, (list, tuple)):
        return [_param(v) for v in value]
    return value


_DATE, _TIMESTAMP, _TIMESTAMPTZ = 1082, 1114, 1184
_INTS = {21: ("int16", "Int16"), 23: ("int32", "Int32"), 20: ("int64", "Int64")}
_FLOATS = {700, 701, 1700}
_BOOL = 16


def _column(values: pd.Series, oid: int) -> Any:
    """One result column (Python objects) with the dtype DuckDB's ``.df()`` gives its type."""
    nulls = values.isna()
    if oid == _TIMESTAMPTZ:
        return pd.to_datetime(values, utc=True).astype("datetime64[us, UTC]")
    if oid in (_DATE, _TIMESTAMP):
        return pd.to_datetime(values).astype("datetime64[us]")
    if oid in _INTS:
        plain, nullable = _INTS[oid]
        return values.astype(nullable) if nulls.any() else values.to_numpy().astype(plain)
    if oid in _FLOATS:
        return values.astype("float64")  # NUMERIC arrives as Decimal
    if oid == _BOOL:
        return values.astype("boolean") if nulls.any() else values.to_numpy().astype(bool)
    if nulls.all():  # DuckDB: an empty or all-NULL text column is an object column of None
        return pd.Series([None] * len(values), dtype=object)
    return values.astype("str")


class PgResult:
    """Rows of one statement, read like a DuckDB result (``fetchone``, ``fetchall``, ``df``)."""

    def __init__(self, rows: list[tuple], description: Sequence[Any] | None) -> None:
        self._rows = rows
        self._description = description or ()
        self._next = 0

    def fetchall(self) -> list[tuple]:
        rest, self._next = self._rows[self._next:], len(self._rows)
        return rest

    def fetchone(self) -> tuple | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def df(self) -> pd.DataFrame:
        names = [d.name for d in self._description]
        raw = pd.DataFrame(np.array(self._rows, dtype=object).reshape(len(self._rows), len(names)), columns=names)
        return pd.DataFrame({name: _column(raw[name], d.type_code) for name, d in zip(names, self._description)},
                            columns=names)


def _run(conn: psycopg.Connection, query: str, params: Sequence[Any] | None) -> PgResult:
    with conn.cursor(binary=True) as cur:  # binary results: no text parsing of numbers and dates
        # always a list, [] included: psycopg then turns every %% back into %
        cur.execute(to_pg_sql(query).encode(), [_param(p) for p in params or ()])
        return PgResult(cur.fetchall() if cur.description else [], cur.description)


class PgReader:
    """A read-only handle on a registry, queried like a DuckDB cursor; each statement borrows a pooled connection.

    Thread-safe: the pool hands each concurrent statement its own connection.
    """

    def __init__(self, pool: ConnectionPool, url: str) -> None:
        self.pool = pool
        self.url = url

    def execute(self, query: str, params: Sequence[Any] | None = None) -> PgResult:
        with self.pool.connection() as conn:
            return _run(conn, query, params)

    def cursor(self) -> PgReader:
        return self

    def close(self) -> None:
        """Cursors share the pool, which stays open for the other sessions (see PgRegistry.close)."""

    def __enter__(self) -> PgReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PgSnapshot(PgReader):
    """Every statement on one pooled connection inside one REPEATABLE READ, READ ONLY transaction: one registry
    version for a whole page run, as a DuckDB cursor pinned to one file version gives."""

    def __init__(self, conn: psycopg.Connection, url: str) -> None:
        self.conn = conn
        self.url = url

    def execute(self, query: str, params: Sequence[Any] | None = None) -> PgResult:
        return _run(self.conn, query, params)


def connect(url: str, **kwargs: Any) -> psycopg.Connection:
    """psycopg.connect, but an address that cannot be parsed says so without echoing it (it may hold a password)."""
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise ValueError("the database address is not a valid postgresql:// URL (a password with special "
                         "characters must be percent-encoded, or kept in ~/.pgpass)") from None
    return psycopg.connect(url, **kwargs)


def without_password(text: str, url: str) -> str:
    """``text`` (an error message) with the password of ``url``, if any, blanked: as parsed, as written in the URL
    (even when the URL cannot be parsed), and percent-encoded."""
    forms = set()
    written = re.match(r"[a-z][a-z0-9+.-]*://[^:/@]*:([^@]*)@", url, re.IGNORECASE)
    if written:
        forms.add(written.group(1))
    with contextlib.suppress(psycopg.ProgrammingError):
        password = psycopg.conninfo.conninfo_to_dict(url).get("password")
        if password:
            forms |= {str(password), urllib.parse.quote(str(password), safe="")}
    for form in sorted(filter(None, forms), key=len, reverse=True):
        text = text.replace(form, "***")
    return text


class PgRegistry(PgReader):
    """The app's view of one registry: owns the connection pool its cursors share."""

    def __init__(self, url: str, max_connections: int = 8) -> None:
        connect(url, connect_timeout=10).close()  # an unreachable server or a refused login says why here
        info = psycopg.conninfo.conninfo_to_dict(url)
        options = " ".join(filter(None, [info.get("options"), READER_OPTIONS]))
        timeout = {} if "connect_timeout" in info else {"connect_timeout": 10}
        conninfo = psycopg.conninfo.make_conninfo(url, options=options, **timeout)
        pool = ConnectionPool(conninfo, min_size=1,
                              max_size=max_connections, open=False, timeout=30, kwargs={"autocommit": True},
                              check=ConnectionPool.check_connection)  # a server restart leaves no dead connection
        try:
            pool.open(wait=True, timeout=10)
        except BaseException:
            pool.close()
            raise
        super().__init__(pool, url)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[PgSnapshot]:
        """A connection of the pool holding one consistent, read-only view until the block ends."""
        with self.pool.connection() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield PgSnapshot(conn, self.url)
            finally:
                with contextlib.suppress(psycopg.Error):  # a broken connection is dropped by the pool
                    conn.execute("ROLLBACK")

    def close(self) -> None:
        self.pool.close()


def open_reader(url: str, max_connections: int = 8) -> PgRegistry:
    """A pooled read-only view of the registry at ``url`` (psycopg.OperationalError when unreachable)."""
    return PgRegistry(url, max_connections)


def _holds_registry(con: PgReader | psycopg.Connection) -> bool:
    """Whether the connection's schema has cmltrack's meta table."""
    return bool(con.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0])


def stored_schema_version(con: PgReader | psycopg.Connection) -> int | None:
    """The schema version the registry was written with (None when the server holds no cmltrack registry)."""
    if not _holds_registry(con):
        return None
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else int(row[0])


def generation(con: PgReader) -> str | None:
    """A token that changes with every write of the registry (None when it holds no cmltrack registry)."""
    if not _holds_registry(con):
        return None
    row = con.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return None if row is None else row[0]


def table_columns(con: PgReader, table: str) -> set[str]:
    """The columns a table has in the connection's schema (empty when there is no such table)."""
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ?", [table]).fetchall()}


# ---------------------------------------------------------------------------------------------------- writing


@contextlib.contextmanager
def writer_lock(url: str, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the registry's writer lock (a session advisory lock on its own connection); wait up to ``wait_s``
    seconds for it, then raise DatabaseBusy."""
    with connect(url, autocommit=True) as conn:
        deadline = time.monotonic() + wait_s
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", [WRITER_LOCK_KEY]).fetchone()[0]:
            if time.monotonic() < deadline:
                time.sleep(0.1)
                continue
            raise DatabaseBusy(f"database busy: another import, upgrade or migration is writing {redacted(url)}; "
                               "try again when it has finished")
        try:
            yield
        finally:
            with contextlib.suppress(psycopg.Error):  # a lost connection has released the lock already
                conn.execute("SELECT pg_advisory_unlock(%s)", [WRITER_LOCK_KEY])


def _lock_for_new_schema(conn: psycopg.Connection, url: str) -> None:
    """Take every existing registry table for this transaction, meta first (the table each page run reads first),
    waiting at most UPGRADE_LOCK_WAIT_S for the page runs reading them; DatabaseBusy when they do not finish.

    Recreated tables are empty to a snapshot taken before the commit, so no page run may be between its first and
    last read while they are replaced; runs that start meanwhile wait for the commit."""

    tables = [t for t in ALL_TABLES if conn.execute("SELECT to_regclass(%s)", [t]).fetchone()[0] is not None]
    if not tables:
        return
    conn.execute(pgsql.SQL("SET LOCAL lock_timeout = {}").format(pgsql.Literal(f"{UPGRADE_LOCK_WAIT_S}s")))
    try:
        conn.execute(pgsql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
            pgsql.SQL(", ").join(pgsql.Identifier(t) for t in tables)))
    except psycopg.errors.LockNotAvailable:
        raise DatabaseBusy(f"database busy: app sessions are reading {redacted(url)}, and a new schema replaces "
                           "its tables; stop the app replicas, then run the upgrade again") from None
    conn.execute("SET LOCAL lock_timeout = 0")


def _prepare(conn: psycopg.Connection, url: str) -> None:
    """Empty the registry's tables (same schema: DELETE, so readers keep their snapshot), or recreate them."""

    if stored_schema_version(conn) == SCHEMA_VERSION:
        for table in reversed(ALL_TABLES):
            conn.execute(pgsql.SQL("DELETE FROM {}").format(pgsql.Identifier(table)))
        return
    _lock_for_new_schema(conn, url)
    for table in reversed(ALL_TABLES):
        conn.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier(table)))
    for statement in (*DDL, *EXTRA_DDL):
        # text compares and sorts bytewise, as in DuckDB, whatever the database's locale
        conn.execute(statement.replace("VARCHAR", 'VARCHAR COLLATE "C"').encode())


def _copy_table(src: Any, conn: psycopg.Connection, table: str, columns: Sequence[str], scratch: Path) -> None:
    """Stream one table from a DuckDB connection into PostgreSQL as CSV (DuckDB writes it; COPY reads it)."""

    col_list = ", ".join(columns)
    src.execute(f"COPY (SELECT {col_list} FROM {table}) TO {quoted_path(scratch)} "  # noqa: S608 (fixed names)
                "(FORMAT csv, HEADER false, NULLSTR '\\N', FORCE_QUOTE *)")
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, NULL '\\N', ENCODING 'UTF8')").format(
        pgsql.Identifier(table), pgsql.SQL(", ").join(pgsql.Identifier(c) for c in columns))
    with conn.cursor() as cur, cur.copy(statement) as copy, scratch.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)


def copy_registry(src: Any, url: str) -> dict[str, int]:
    """Replace the registry at ``url`` with every table of the DuckDB connection ``src``, in one transaction.

    Checks inside the transaction that each table holds as many rows as its source, then commits; on any error
    nothing is changed. The caller holds the writer lock. Returns the row count of each table.
    """
    columns = {"meta": ("key", "value"), **COLUMNS}
    expected = {t: int(src.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in ALL_TABLES}  # noqa: S608
    with tempfile.TemporaryDirectory(prefix="cmltrack-copy-") as scratch_dir, connect(url) as conn:
        scratch = Path(scratch_dir) / "table.csv"
        with conn.transaction():
            conn.execute("SET LOCAL statement_timeout = 0")
            _prepare(conn, url)
            _copy_tables(src, conn, ALL_TABLES, columns, scratch)
            _new_generation(conn)
            got = {t: conn.execute(pgsql.SQL("SELECT count(*) FROM {}").format(pgsql.Identifier(t))).fetchone()[0]
                   for t in ALL_TABLES}
            got["meta"] -= 2
            wrong = {t: (expected[t], got[t]) for t in ALL_TABLES if expected[t] != got[t]}
            if wrong:
                raise RuntimeError(f"row counts differ after copying (source, server): {wrong}; nothing was written")
            for table in ALL_TABLES:
                conn.execute(pgsql.SQL("ANALYZE {}").format(pgsql.Identifier(table)))
    return expected


def _copy_tables(src: Any, conn: psycopg.Connection, tables: Sequence[str], columns: dict[str, Sequence[str]],
                 scratch: Path) -> None:
    """_copy_table for each of ``tables``; a character the server's encoding cannot store is said as a ValueError."""
    for table in tables:
        try:
            _copy_table(src, conn, table, columns[table], scratch)
        except psycopg.errors.UntranslatableCharacter as exc:  # a LATIN1 (or other) server database
            said = str(exc).splitlines()[0]  # not the CONTEXT line: it quotes the row
            raise ValueError(f"table {table}: the server's database encoding cannot store a character of "
                             f"this data ({said}); create the registry database with ENCODING 'UTF8'; "
                             "nothing was written") from None


def _new_generation(conn: psycopg.Connection) -> None:
    """Record in meta that the registry changed (the token every replica's next run compares)."""
    conn.execute("DELETE FROM meta WHERE key IN ('generation', 'written_to_server_at')")
    conn.execute("INSERT INTO meta VALUES ('generation', %s), ('written_to_server_at', %s)",
                 [uuid.uuid4().hex, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")])


def append_rows(src: duckdb.DuckDBPyConnection, url: str, patient_ids: list[str], source: str) -> None:
    """In one transaction on the server: delete the rows of ``patient_ids``, COPY every row of the DuckDB
    connection ``src`` (those patients' tables, built and checked there), record the new source and generation,
    check that each table now holds exactly the copied rows of those patients, commit. On any error nothing is
    changed; readers see the old registry until the commit."""
    expected = {t: int(src.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in WRITTEN}  # noqa: S608
    with tempfile.TemporaryDirectory(prefix="cmltrack-copy-") as scratch_dir, connect(url) as conn:
        with conn.transaction():
            conn.execute("SET LOCAL statement_timeout = 0")
            for table in reversed(WRITTEN):
                conn.execute(pgsql.SQL("DELETE FROM {} WHERE patient_id = ANY(%s)").format(pgsql.Identifier(table)),
                             [patient_ids])
            _copy_tables(src, conn, WRITTEN, COLUMNS, Path(scratch_dir) / "table.csv")
            conn.execute("DELETE FROM meta WHERE key IN ('source', 'written_at')")
            conn.execute("INSERT INTO meta VALUES ('source', %s), ('written_at', %s)", [source, written_at()])
            _new_generation(conn)
            got = {t: conn.execute(pgsql.SQL("SELECT count(*) FROM {} WHERE patient_id = ANY(%s)").format(
                pgsql.Identifier(t)), [patient_ids]).fetchone()[0] for t in WRITTEN}
            if got != expected:
                raise RuntimeError(f"row counts differ after copying (source {expected}, server {got}); nothing "
                                   "was written")
            for table in WRITTEN:
                conn.execute(pgsql.SQL("ANALYZE {}").format(pgsql.Identifier(table)))


def registry_patients(url: str) -> int:
    """Patients in the registry at ``url`` (0 when the server holds no registry yet)."""
    with connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('patients')").fetchone()[0] is None:
            return 0
        return conn.execute("SELECT count(*) FROM patients").fetchone()[0]


def row_counts(url: str) -> dict[str, int]:
    """Rows in each registry table on the server, read in a fresh connection (after a commit)."""
    with connect(url, autocommit=True) as conn:
        counts = {t: conn.execute(pgsql.SQL("SELECT count(*) FROM {}").format(pgsql.Identifier(t))).fetchone()[0]
                  for t in ALL_TABLES}
    counts["meta"] -= 2  # the server's own generation and copy time
    return counts


class PostgresRegistry(Registry):
    """The registry in a PostgreSQL schema: read through one pool per server process, each page run in one
    read-only snapshot; written in one transaction under a server advisory lock."""

    def __init__(self, url: str, derive: Callable[..., dict[str, pd.DataFrame]] | None = None) -> None:
        super().__init__(url, derive)
        self.url = url

    @property
    def label(self) -> str:
        return redacted(self.url)

    def redact(self, text: str) -> str:
        return without_password(text, self.url)

    def exists(self) -> bool:
        with open_reader(self.url, max_connections=1) as con:
            return bool(table_columns(con, "meta"))

    def open_reader(self) -> Connection:
        return open_reader(self.url)

    def reader_key(self) -> object:
        return self.url  # one pool serves every version: each run reads its own snapshot

    def cursor(self, reader: Connection) -> Connection:
        return reader  # each statement borrows a pooled connection

    def snapshot(self, reader: Connection) -> contextlib.AbstractContextManager[Connection]:
        return reader.snapshot()

    def version(self, con: Connection, opened: object) -> object | None:
        return generation(con)

    def tables(self, con: Connection) -> set[str]:
        return {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}

    def columns_of(self, con: Connection, table: str) -> set[str]:
        return table_columns(con, table)

    def writer_lock(self, wait_s: float = 0.0) -> contextlib.AbstractContextManager[None]:
        return reentrant(self.url, lambda: writer_lock(self.url, wait_s))

    def _write_whole(self, facts: dict[str, pd.DataFrame], deriving: Deriving, source: str, previous: int | None,
                     progress: Progress) -> Path | None:
        with duckdb.connect(":memory:") as con:
            build(con, facts, source, deriving)  # the schema's checks refuse bad rows before the server is touched
            progress(0.95, "copying to the server")
            copy_registry(con, self.url)
        progress(1.0, "done")
        return None

    def _write_patients(self, tables: dict[str, pd.DataFrame], patient_ids: list[str], source: str,
                        progress: Progress) -> None:
        with duckdb.connect(":memory:") as con:
            build(con, tables, source)
            progress(0.95, "copying to the server")
            append_rows(con, self.url, patient_ids, source)
        progress(1.0, "done")
