"""A registry in a DuckDB file: read through private read-only attachments, written into a new file (or a copy)
renamed into place under a file lock.

Readers are read-only DuckDB connections, possibly in other processes, that hold the file open for as long as they
read it; DuckDB lets no process open it for writing meanwhile. So every write, whole or incremental, goes to a new
file beside the target that is renamed over it: a reader keeps the version it opened, a failure at any row leaves
the target byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd

from cmltrack.db.errors import DatabaseMissing
from cmltrack.db.guard import DATA_FILE_MODE, NotARegistry, describe_file, keep_backup
from cmltrack.db.lock import file_lock
from cmltrack.db.registry import WRITTEN, Connection, Deriving, Progress, Registry, build, written_at
from cmltrack.db.schema import SCHEMA_VERSION
from cmltrack.db.store import empty_frame, insert_checked, quoted_path

log = logging.getLogger("cmltrack")

#: The catalog name the database file is attached under.
ALIAS = "registry"


class DuckDBFile(Registry):
    """The registry in one DuckDB file."""

    keeps_backups = True

    def __init__(self, target: str | Path, derive: Callable[..., dict[str, pd.DataFrame]] | None = None) -> None:
        super().__init__(Path(target), derive)
        self.path = Path(target)

    # ---------------------------------------------------------------------------------------------- reading

    def exists(self) -> bool:
        return self.path.exists()

    def open_reader(self) -> Connection:
        """A read-only view of the file as it is now: a private in-memory DuckDB with the file attached. A plain
        ``duckdb.connect(path)`` would go through DuckDB's process-wide instance cache and, while any connection to
        a file that has since been replaced (an import) is open, hand back the old contents. Connections opened
        before a replacement keep their snapshot."""
        # never a DuckDB extension fetched from the network to read a file of another kind (an SQLite file would be)
        con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                                 "autoload_known_extensions": False})
        try:
            con.execute(f"ATTACH {quoted_path(self.path)} AS {ALIAS} (TYPE DUCKDB, READ_ONLY)")
            con.execute(f"USE {ALIAS}")
        except BaseException:
            con.close()
            raise
        return con

    def reader_key(self) -> object:
        return self.path.stat().st_mtime_ns  # a replaced file has a new mtime, so a new reader

    def cursor(self, reader: Connection) -> Connection:
        cur = reader.cursor()
        cur.execute(f"USE {ALIAS}")
        return cur

    @contextlib.contextmanager
    def snapshot(self, reader: Connection) -> Iterator[Connection]:
        yield reader  # a reader opened on one file version reads only that version

    def version(self, con: Connection, opened: object) -> object | None:
        return opened  # the reader reads the file version it was opened on

    def tables(self, con: Connection) -> set[str]:
        return {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ?", [ALIAS]).fetchall()}

    def columns_of(self, con: Connection, table: str) -> set[str]:
        return {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_catalog = ?",
            [table, ALIAS]).fetchall()}

    def replaceable_version(self) -> int | None:
        if self.exists():
            try:
                self.open_reader().close()
            except duckdb.Error as exc:
                raise NotARegistry(f"{self.path} is {describe_file(self.path)} (DuckDB: {str(exc).splitlines()[0]}); "
                                   "cmltrack does not write over it") from None
        return super().replaceable_version()

    # ---------------------------------------------------------------------------------------------- writing

    def writer_lock(self, wait_s: float = 0.0) -> contextlib.AbstractContextManager[None]:
        return file_lock(self.path, wait_s)

    @contextlib.contextmanager
    def _scratch(self, copy_of_target: bool) -> Iterator[Path]:
        """A new file beside the target (absent, for DuckDB to create, or a copy of the target), removed when the
        block ends unless ``_install`` renamed it into place."""
        target = self.path
        target.parent.mkdir(parents=True, exist_ok=True)
        for stale in target.parent.glob(f".{target.name}.*.tmp*"):  # left by a killed writer; the lock is ours now
            stale.unlink(missing_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()  # DuckDB wants to create the file itself
        try:
            if copy_of_target:
                shutil.copyfile(target, tmp)
            yield tmp
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)

    def _install(self, tmp: Path, previous: int | None, progress: Progress) -> Path | None:
        """Rename the finished ``tmp`` over the target, keeping an older-schema target as PATH.bak-<version> first
        (returned)."""
        os.chmod(tmp, DATA_FILE_MODE)
        backup = None
        if previous is not None and previous < SCHEMA_VERSION and self.path.exists():
            backup = keep_backup(self.path, previous)
            log.info("kept the schema %s database as %s", previous, backup.name)
        os.replace(tmp, self.path)
        progress(1.0, "done")
        return backup

    def _write_whole(self, facts: dict[str, pd.DataFrame], deriving: Deriving, source: str, previous: int | None,
                     progress: Progress) -> Path | None:
        with self._scratch(copy_of_target=False) as tmp:
            with duckdb.connect(str(tmp)) as con:
                build(con, facts, source, deriving)
                progress(0.97, "saving the file")
                con.execute("CHECKPOINT")
            return self._install(tmp, previous, progress)

    def _write_patients(self, tables: dict[str, pd.DataFrame], patient_ids: list[str], source: str,
                        progress: Progress) -> None:
        """Into a copy of the file: the patients' old rows deleted (committed first: DuckDB checks a key deleted and
        inserted again in one transaction as a duplicate), their new rows inserted, meta updated; then renamed
        into place. Copying the file costs a fraction of deriving and writing the whole registry again."""
        with self._scratch(copy_of_target=True) as tmp:
            with duckdb.connect(str(tmp)) as con:
                if patient_ids:
                    con.execute("BEGIN TRANSACTION")
                    for table in reversed(WRITTEN):
                        con.execute(f"DELETE FROM {table} WHERE patient_id = ANY(?::VARCHAR[])",  # noqa: S608
                                    [patient_ids])
                    con.execute("COMMIT")
                con.execute("BEGIN TRANSACTION")
                for table in WRITTEN:
                    insert_checked(con, table, tables.get(table, empty_frame(table)))
                con.execute("DELETE FROM meta WHERE key IN ('source', 'written_at')")
                con.execute("INSERT INTO meta VALUES ('source', ?), ('written_at', ?)", [source, written_at()])
                con.execute("COMMIT")
                progress(0.97, "saving the file")
                con.execute("CHECKPOINT")
            self._install(tmp, SCHEMA_VERSION, progress)

    def builds_demo(self, default: str | Path | None) -> bool:
        return not self.path.exists() and self._is_default(default)

    def ensure(self, default: str | Path | None, demo: Callable[[], dict[str, pd.DataFrame]], source: str,
               wait_s: float) -> None:
        """Build the demo database when no file is here and this is the ``default`` path, else raise
        DatabaseMissing (a mistyped or unmounted path must never turn into fake patients). Sessions arriving
        together wait for one build (up to ``wait_s``; DatabaseBusy after that)."""
        if self.path.exists():
            return
        if not self._is_default(default):
            raise DatabaseMissing(f"no database file at {self.path}")
        with self.writer_lock(wait_s):
            if not self.path.exists():  # built by another session while this one waited
                self.replace(demo(), source)

    def refresh_own_demo(self, default: str | Path | None, con: Connection, demo_source: str, wait_s: float) -> bool:
        if not self._is_default(default):
            return False
        version = self.schema_version(con)
        if version is None or version >= SCHEMA_VERSION:
            return False
        row = con.execute("SELECT value FROM meta WHERE key = 'source'").fetchone()
        if row is None or row[0] != demo_source:  # imported or synthetic data: only the command line upgrades it
            return False
        with self.writer_lock(wait_s):
            with self.reading() as fresh:  # another session may have upgraded it while this one waited
                current = self.schema_version(fresh) == SCHEMA_VERSION
            if not current:
                self.upgrade()
        return True

    def _is_default(self, default: str | Path | None) -> bool:
        return default is not None and self.path.resolve() == Path(default).resolve()
