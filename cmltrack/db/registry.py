"""The registry interface: one class per engine (cmltrack.db.duckdb_file, cmltrack.db.postgres), so that no caller
ever asks which engine it talks to.

A Registry reads (a reader, a snapshot pinned for one page run, the version a write changes), guards (the schema
version, what may be replaced) and writes under one writer lock (``replace`` the whole registry, ``append``
patients, ``upgrade`` the schema). The clinical derivation is handed in (``derive``), never imported: cmltrack.db
imports nothing above it. Engines differ only in the few abstract methods below.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from cmltrack.db.errors import DatabaseMissing
from cmltrack.db.guard import OlderSchema, check_version
from cmltrack.db.schema import COLUMNS, DERIVED, SCHEMA_VERSION, TABLES, create_schema
from cmltrack.db.store import commit_checked, empty_frame, insert_checked, prepared, with_plain_dates

#: What the query layer reads through: a DuckDB cursor, or a PostgreSQL reader (the same SQL runs on both).
Connection = Any
#: Hears (fraction done 0-1, what is being done) during a write.
Progress = Callable[[float, str], None]
#: The derivation a writer is handed: (fact tables, the patients to derive (None: all), progress) -> the derived
#: tables (``responses`` recorded and derived, ``eln_assessments``, ``patient_summary``, ``tfr_courses``) of those
#: patients, in one dict or in dicts made in turn (an iterator: the writer stores each while the next is derived).
Derive = Callable[..., dict[str, pd.DataFrame] | Iterator[dict[str, pd.DataFrame]]]
#: Hears nothing and gives the derived tables (``responses`` recorded and derived, and DERIVED) of a whole write, in
#: dicts made in turn: called by the writer, which meanwhile inserts the other fact tables, then each dict given.
Deriving = Callable[[], Iterator[dict[str, pd.DataFrame]]]
#: The tables a write inserts, in order (a child after its parent).
WRITTEN: tuple[str, ...] = (*TABLES, *DERIVED)
#: The tables a derivation returns (the recorded responses with the derived ones).
FROM_DERIVATION: tuple[str, ...] = ("responses", *DERIVED)


def _quiet(fraction: float, text: str) -> None:
    """A progress listener that hears nothing."""


class Registry(ABC):
    """One cmltrack registry (a DuckDB file, or a PostgreSQL schema): read it, guard it, write it."""

    #: Whether replacing a registry of an older schema keeps the old one as PATH.bak-<version> (a file does).
    keeps_backups: bool = False

    def __init__(self, target: str | Path, derive: Derive | None = None) -> None:
        self.target = target
        self.derive = derive

    # ---------------------------------------------------------------------------------------------- naming

    @property
    def label(self) -> str:
        """The registry as shown to users and in logs (never a password)."""
        return str(self.target)

    def redact(self, text: str) -> str:
        """``text`` (an error message) without any secret of the registry's address."""
        return text

    # ---------------------------------------------------------------------------------------------- reading

    @abstractmethod
    def exists(self) -> bool:
        """Whether a registry is there (the file exists; the server's schema holds cmltrack's tables)."""

    @abstractmethod
    def open_reader(self) -> Connection:
        """A read-only reader, shared across threads through ``cursor``; close it when done."""

    @abstractmethod
    def reader_key(self) -> object:
        """Which reader serves the registry as it is now: a cached reader is reused while this is unchanged."""

    @abstractmethod
    def cursor(self, reader: Connection) -> Connection:
        """A cursor on ``reader`` for one thread or session."""

    @abstractmethod
    @contextlib.contextmanager
    def snapshot(self, reader: Connection) -> Iterator[Connection]:
        """A cursor that reads one version of the registry until the block ends (one page run)."""

    @abstractmethod
    def version(self, con: Connection, opened: object) -> object | None:
        """A token that changes with every write, as ``con`` (of the reader opened at ``reader_key`` ``opened``)
        sees it; None when no registry is there."""

    @abstractmethod
    def tables(self, con: Connection) -> set[str]:
        """The tables the registry holds."""

    @abstractmethod
    def columns_of(self, con: Connection, table: str) -> set[str]:
        """The columns ``table`` has (empty when it has no such table: an older schema)."""

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A reader of the registry as it is now, closed at the end of the block."""
        reader = self.open_reader()
        try:
            yield self.cursor(reader)
        finally:
            reader.close()

    def schema_version(self, con: Connection) -> int | None:
        """The schema version the registry was written with (None when it has no cmltrack metadata)."""
        if "meta" not in self.tables(con):
            return None
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        try:
            return None if row is None else int(row[0])
        except (TypeError, ValueError):
            return None

    def check(self, con: Connection) -> None:
        """Raise NotARegistry, NewerSchema or OlderSchema (cmltrack.db.guard) unless ``con`` reads a cmltrack
        registry of the current schema."""
        version = self.schema_version(con)
        check_version(version, self.label, None if version is not None else sorted(self.tables(con)))

    def replaceable_version(self) -> int | None:
        """The schema version of the registry a writer is about to replace (None: nothing there yet); NotARegistry
        or NewerSchema when it may not be written over. An older version is returned: the writer upgrades it."""
        if not self.exists():
            return None
        with self.reading() as con:
            try:
                self.check(con)
            except OlderSchema as exc:
                return exc.version
        return SCHEMA_VERSION

    def read_frames(self, upgrading: bool = False) -> tuple[dict[str, pd.DataFrame], str]:
        """The fact tables of the registry and its source, for rewriting it: of the current schema, or of an older
        one when ``upgrading``. Raises NotARegistry, NewerSchema or OlderSchema otherwise."""
        with self.reading() as con:
            try:
                self.check(con)
            except OlderSchema as exc:
                if not upgrading:
                    raise OlderSchema(f"{exc}: upgrade it first with `python -m cmltrack upgrade --db {self.label}`",
                                      exc.version) from None
            frames = {}
            for table in TABLES:
                have = self.columns_of(con, table)
                if not have:
                    frames[table] = empty_frame(table)  # a table added after the registry was written
                    continue
                cols = [c for c in COLUMNS[table] if c in have]
                # dates as the importer gives them, so that old and new rows concatenate
                frames[table] = with_plain_dates(
                    con.execute(f"SELECT {', '.join(cols)} FROM {table}").df())  # noqa: S608 (names from COLUMNS)
            if "source" in frames["responses"]:
                frames["responses"] = frames["responses"][frames["responses"]["source"] == "recorded"]
            row = con.execute("SELECT value FROM meta WHERE key = 'source'").fetchone()
        return frames, (row[0] if row else "unknown")

    def source(self) -> str | None:
        """Where the registry's data came from (None when there is no registry)."""
        if not self.exists():
            return None
        with self.reading() as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'source'").fetchone()
        return None if row is None else row[0]

    def patient_ids(self) -> set[str]:
        """Every patient ID in the registry (empty when there is none)."""
        if not self.exists():
            return set()
        with self.reading() as con:
            return {r[0] for r in con.execute("SELECT patient_id FROM patients").fetchall()}

    # ---------------------------------------------------------------------------------------------- writing

    @abstractmethod
    def writer_lock(self, wait_s: float = 0.0) -> contextlib.AbstractContextManager[None]:
        """Hold the registry's one writer lock (re-entrant within a thread); DatabaseBusy after ``wait_s`` s."""

    @abstractmethod
    def _write_whole(self, facts: dict[str, pd.DataFrame], deriving: Deriving, source: str, previous: int | None,
                     progress: Progress) -> Path | None:
        """Replace the registry with the fact tables ``facts`` and the tables ``deriving()`` returns (see ``build``)
        atomically; return where an older-schema file was kept."""

    @abstractmethod
    def _write_patients(self, tables: dict[str, pd.DataFrame], patient_ids: list[str], source: str,
                        progress: Progress) -> None:
        """Atomically delete the rows of ``patient_ids`` and insert ``tables`` (theirs, derived ones included)."""

    def _derived(self, frames: dict[str, pd.DataFrame], patient_ids: Iterable[str] | None,
                 progress: Progress) -> dict[str, pd.DataFrame]:
        """The fact tables with every derived table of ``patient_ids`` (None: every patient)."""
        facts = _facts(frames)
        for part in self._deriving(facts, patient_ids, progress)():
            facts.update(part)
        return facts

    def _deriving(self, facts: dict[str, pd.DataFrame], patient_ids: Iterable[str] | None,
                  progress: Progress) -> Deriving:
        """The derivation of ``patient_ids`` (None: every patient) of ``facts``, for the writer to run."""
        derive = self.derive
        if derive is None:
            raise TypeError("this registry was opened for reading only: a writer hands in the derivation")

        def run() -> Iterator[dict[str, pd.DataFrame]]:
            derived = derive(facts, patient_ids,
                             lambda done: progress(0.05 + 0.85 * done, "applying the clinical rules"))
            yield from ([derived] if isinstance(derived, dict) else derived)
            progress(0.9, "writing the tables")

        return run

    def _replace_with(self, frames: dict[str, pd.DataFrame], source: str, previous: int | None,
                      progress: Progress) -> Path | None:
        facts = _facts(frames)
        return self._write_whole(facts, self._deriving(facts, None, progress), source, previous, progress)

    def replace(self, frames: dict[str, pd.DataFrame], source: str, progress: Progress | None = None) -> Path | None:
        """Replace the whole registry with ``frames`` and the tables derived from them, atomically, under the writer
        lock (DatabaseBusy if another writer has it). Never writes over something that is not a cmltrack registry
        or over a newer one; a file of an older schema is kept as PATH.bak-<version> (returned)."""
        progress = progress or _quiet
        with self.writer_lock():
            previous = self.replaceable_version()  # refuses a foreign file or a newer registry before any work
            return self._replace_with(frames, source, previous, progress)

    def append(self, frames: dict[str, pd.DataFrame], source: str, progress: Progress | None = None,
               replacing: Iterable[str] = ()) -> None:
        """Add the patients of ``frames`` (and replace those named in ``replacing``) in one atomic write: only their
        rows are derived and written, the registry's other rows stay as they are (a patient's derived rows depend
        on that patient's facts alone). A registry of an older schema, or none yet, is written whole instead."""
        progress = progress or _quiet
        with self.writer_lock():
            previous = self.replaceable_version()
            if previous is None or previous < SCHEMA_VERSION:
                existing = self.read_frames(upgrading=True)[0] if previous is not None else {}
                gone = set(replacing)
                whole = {t: _concat(_without(existing.get(t, empty_frame(t)), gone), frames.get(t, empty_frame(t)))
                         for t in TABLES}
                progress(0.02, "rewriting the registry in the current schema")
                self._replace_with(whole, source, previous, progress)
                return
            ids = [str(i) for i in frames.get("patients", empty_frame("patients"))["patient_id"]]
            tables = self._derived(frames, ids, progress)
            progress(0.9, "writing the new patients")
            self._write_patients(tables, sorted(set(ids) | set(replacing)), source, progress)

    def upgrade(self) -> Path | None:
        """Rewrite the registry in the current schema: facts kept, every derived table recomputed; a file in an
        older schema is kept as PATH.bak-<version> (returned). A newer registry or something else is refused."""
        with self.writer_lock():
            if not self.exists():
                raise DatabaseMissing(f"no database at {self.label}")
            frames, source = self.read_frames(upgrading=True)
            return self.replace(frames, source)

    def builds_demo(self, default: str | Path | None) -> bool:
        """Whether ``ensure`` would build the demo database here (nothing is there, and this is the default)."""
        return False

    def ensure(self, default: str | Path | None, demo: Callable[[], dict[str, pd.DataFrame]], source: str,
               wait_s: float) -> None:
        """Make sure a registry is there; only a file at the ``default`` path is ever built (the demo cohort). A
        server's registry is written by ``migrate`` or ``import``, never made up: nothing to do."""
        return None

    def refresh_own_demo(self, default: str | Path | None, con: Connection, demo_source: str, wait_s: float) -> bool:
        """Upgrade the demo registry the app built itself when ``con`` finds it in an older schema; return
        whether it was rewritten. Any other registry is never rewritten by the app (a server's: never)."""
        return False


def build(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame], source: str,
          deriving: Deriving | None = None) -> None:
    """Create the schema on the empty database ``con`` and insert ``tables`` and meta (each composite primary key
    added once its table's rows are in).

    With ``deriving``, ``tables`` are the fact tables and the FROM_DERIVATION tables are those ``deriving()`` gives:
    a second thread inserts the other fact tables meanwhile, then each derived table as soon as it is given (DuckDB
    reads them from Arrow tables made here, without holding the GIL, so the derivation and the insert share the
    cores), each batch in a transaction of its own. ``con`` must be a new database that the caller discards when
    this raises (a scratch file, or one in memory).
    """
    create_schema(con, keys=False)
    if deriving is None:
        _insert_tables(con, tables, WRITTEN)
    else:
        with ThreadPoolExecutor(1, thread_name_prefix="cmltrack-write") as pool:  # inserts in the order handed
            def hand(batch: dict[str, pd.DataFrame], names: list[str]) -> None:
                arrow = {t: prepared(t, batch.get(t, empty_frame(t))) for t in names}  # the thread reads no frame
                written.append(pool.submit(_insert_tables, con, arrow, names))

            written: list[Future[None]] = []
            hand(tables, [t for t in WRITTEN if t not in FROM_DERIVATION])
            given: set[str] = set()
            for part in deriving():  # should it raise, leaving the block waits for the thread first
                names = [t for t in FROM_DERIVATION if t in part and t not in given]
                given.update(names)
                hand(part, names)
                if any(w.done() and w.exception() is not None for w in written):
                    break  # rows refused: no use deriving the rest
            else:
                hand({}, [t for t in FROM_DERIVATION if t not in given])  # empty, but with their keys
        for w in written:
            w.result()  # refused rows
    con.execute("INSERT INTO meta VALUES ('source', ?), ('written_at', ?)", [source, written_at()])


def _insert_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame | pa.Table],
                   names: Iterable[str]) -> None:
    """Insert the tables named, in order, in one transaction on a cursor of their own."""
    written = {table: tables.get(table, empty_frame(table)) for table in names}
    with con.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        try:
            for table, rows in written.items():
                insert_checked(cur, table, rows, add_key=True)
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        commit_checked(cur, written)


def written_at() -> str:
    """The time of a write as meta records it (UTC, seconds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _facts(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every fact table of ``frames`` (empty when absent), dates as datetime.date."""
    return {t: with_plain_dates(frames.get(t, empty_frame(t))) for t in TABLES}


def _without(frame: pd.DataFrame, patient_ids: set[str]) -> pd.DataFrame:
    return frame[~frame["patient_id"].isin(list(patient_ids))] if patient_ids and len(frame) else frame


def _concat(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    if old.empty:
        return new
    if new.empty:
        return old
    return pd.concat([old, new], ignore_index=True)
