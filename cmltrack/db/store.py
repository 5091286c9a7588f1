"""Write a whole database atomically: build a new file beside the target, then rename it into place.

A reader holding the old file keeps its snapshot; a failure at any row leaves the target exactly as it was. A
PostgreSQL registry is built the same way in memory, then copied to the server in one transaction
(cmltrack.db.postgres).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from cmltrack.db.guard import DATA_FILE_MODE, keep_backup
from cmltrack.db.lock import writer_lock
from cmltrack.db.postgres import copy_registry, is_postgres, redacted, registry_patients, row_counts
from cmltrack.db.schema import SCHEMA_VERSION, TABLES, create_schema
from cmltrack.derive import ASSESSMENT_COLUMNS, SUMMARY_COLUMNS, derived_tables
from cmltrack.derive.tfr import TFR_COLUMNS

log = logging.getLogger("cmltrack")

#: Hears (fraction done 0-1, what is being done) during a database build.
Progress = Callable[[float, str], None]

#: Column order of each fact table as written (also the order the importer and the demo produce).
COLUMNS: dict[str, tuple[str, ...]] = {
    "patients": ("patient_id", "mrn", "display_name", "sex", "birth_date", "diagnosis_date", "phase_at_diagnosis",
                 "im_status", "spleen_cm", "platelets", "blasts_pct", "basophils_pct", "eosinophils_pct",
                 "age_at_entry", "last_contact_date", "arm", "actual_arm", "died", "death_date"),
    "treatments": ("patient_id", "drug", "dose_mg", "start_date", "end_date", "reason_stopped", "dates_imputed"),
    "labs": ("patient_id", "date", "wbc", "hb", "platelets", "blasts_pct", "promyelocytes_pct",
             "immature_granulocytes_pct", "basophils_pct", "spleen_cm", "bcr_abl1_is_pct", "abl1_copies", "ph_pos_pct",
             "metaphases", "neutrophils", "fish_pct", "fish_nuclei"),
    "responses": ("patient_id", "date", "kind", "source", "guideline", "date_imputed"),
    "adverse_events": ("patient_id", "term", "meddra_pt", "ctcae_grade", "ctcae_version", "grade_source",
                       "onset_date", "end_date", "serious", "attributed_drug", "dates_imputed", "relatedness",
                       "onset_precision"),
    "time_to_event": ("patient_id", "parameter", "label", "start_date", "days", "event_date", "censored"),
    "mutations": ("patient_id", "date", "method", "mutation"),
    "karyotypes": ("patient_id", "date", "finding", "ph_positive"),
    "concomitant_medications": ("patient_id", "term", "decoded", "indication", "start_date", "end_date",
                                "dates_imputed"),
    "eln_assessments": ASSESSMENT_COLUMNS,
    "patient_summary": SUMMARY_COLUMNS,
    "tfr_courses": TFR_COLUMNS,
}
#: Tables computed from the facts by cmltrack.derive each time a database is written, in the order written.
DERIVED: tuple[str, ...] = ("eln_assessments", "patient_summary", "tfr_courses")


#: Columns a source may leave out, and the value they then take (differential counts many sources lack, columns
#: added in later schema versions).
OPTIONAL: dict[str, object] = {
    "promyelocytes_pct": None, "immature_granulocytes_pct": None, "age_at_entry": None, "last_contact_date": None,
    "dates_imputed": False, "date_imputed": False, "grade_source": "CTCAE",
    "neutrophils": None, "fish_pct": None, "fish_nuclei": None, "method": None, "ph_positive": True,  # schema 5
    # schema 6
    "arm": None, "actual_arm": None, "died": None, "death_date": None, "relatedness": None, "onset_precision": None,
    "serious": None,
}


class RowsRefused(ValueError):
    """The database's constraints refused rows of a table (``table``; ``column`` when the database names one)."""

    def __init__(self, table: str, column: str | None, message: str) -> None:
        super().__init__(f"{table}: {message}")
        self.table, self.column, self.message = table, column, message


def empty_frame(table: str) -> pd.DataFrame:
    """A table with its columns and no rows."""
    return pd.DataFrame(columns=list(COLUMNS[table]))


def _is_date_column(name: str) -> bool:
    return name == "date" or name.endswith("_date")


def with_plain_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every date column as ``datetime.date`` values (None when missing), the one type every
    producer of fact tables uses (demo, synthetic cohorts, the importer). A database read back gives datetime64
    columns and a concatenation may mix both; the clinical rules compare dates and need one type."""
    out = frame
    for c in [c for c in frame.columns if _is_date_column(str(c))]:
        values = frame[c]
        if values.dtype == object and set(values.dropna().map(type).unique()) <= {dt.date}:
            continue  # already datetime.date throughout: nothing to convert
        stamps = pd.to_datetime(values)
        if out is frame:
            out = frame.copy()
        out[c] = stamps.dt.date.astype(object).where(stamps.notna(), None)
    return out


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    cols = COLUMNS[table]  # KeyError for any table name not in the fixed list
    frame = frame.assign(**{c: OPTIONAL[c] for c in set(OPTIONAL) & set(cols) - set(frame.columns)})
    for c in set(OPTIONAL) & set(cols):  # rows concatenated from a source without the column
        if OPTIONAL[c] is not None and frame[c].isna().any():
            frame[c] = frame[c].astype(object).where(frame[c].notna(), OPTIONAL[c])
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ValueError(f"{table}: missing columns {missing}")
    con.register("incoming", frame.loc[:, list(cols)])
    col_sql = ", ".join(cols)
    con.execute(f"INSERT INTO {table} ({col_sql}) SELECT {col_sql} FROM incoming")  # noqa: S608 (names from COLUMNS)
    con.unregister("incoming")  # on failure the whole connection is discarded instead


def _refused(table: str, exc: duckdb.Error) -> RowsRefused:
    import re

    message = str(exc).split("\n")[0]
    named = re.search(rf"\b{table}\.\"?(\w+)", message)
    return RowsRefused(table, named.group(1) if named else None, message)


def _insert_checked(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """_insert, with a refusal by the schema's constraints raised as RowsRefused."""
    try:
        _insert(con, table, frame)
    except (duckdb.ConstraintException, duckdb.ConversionException) as exc:
        raise _refused(table, exc) from None


def rehearse(frames: dict[str, pd.DataFrame]) -> RowsRefused | None:
    """Insert the fact tables into an empty in-memory database of the current schema (no derived tables): None when
    every row is accepted, else what refused them."""
    with duckdb.connect(":memory:") as con:
        create_schema(con)
        for table in TABLES:
            frame = frames.get(table, empty_frame(table))
            if table == "responses":  # an import records responses; derived ones are computed at the write
                frame = frame.assign(source="recorded", guideline="none")
            try:
                _insert_checked(con, table, with_plain_dates(frame))
            except RowsRefused as refused:
                return refused
    return None


def with_derived(frames: dict[str, pd.DataFrame],
                 progress: Callable[[float], None] | None = None) -> dict[str, pd.DataFrame]:
    """The fact tables plus every derived table: recorded responses are kept, derived ones always recomputed."""
    return dict(frames, **derived_tables(frames, progress=progress))


def load_frames(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame], source: str,
                progress: Progress | None = None) -> None:
    """Insert the fact tables and the tables derived from them in one transaction on an open, empty schema."""
    progress = progress or (lambda fraction, text: None)
    frames = {t: with_plain_dates(frames.get(t, empty_frame(t))) for t in TABLES}
    tables = with_derived(frames, lambda done: progress(0.05 + 0.85 * done, "applying the clinical rules"))
    progress(0.9, "writing the tables")
    con.execute("BEGIN TRANSACTION")
    try:
        for table in (*TABLES, *DERIVED):
            _insert_checked(con, table, tables[table])
        con.execute("INSERT INTO meta VALUES ('source', ?), ('written_at', ?)",
                    [source, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def write_database(path: str | Path, frames: dict[str, pd.DataFrame], source: str,
                   progress: Progress | None = None) -> str | Path:
    """Build a complete database from ``frames`` and atomically replace ``path`` (a file, or a PostgreSQL URL)
    with it.

    Holds the database's writer lock throughout (DatabaseBusy if another writer has it). ``progress(fraction,
    text)`` hears how far the build has got. Never writes over a file that is not a cmltrack registry, nor over a
    registry written by a newer cmltrack (cmltrack.db.guard); a registry in an older schema is kept as
    PATH.bak-<version> first.
    """
    progress = progress or (lambda fraction, text: None)
    with writer_lock(path):
        if is_postgres(path):
            return _write_server(str(path), frames, source, progress)
        _write(Path(path), frames, source, progress)
        return path if isinstance(path, Path) else Path(path)


def _write_server(url: str, frames: dict[str, pd.DataFrame], source: str, progress: Progress) -> str:
    from cmltrack.db.connection import replaceable_version

    replaceable_version(url)  # NewerSchema: a newer cmltrack's registry is never overwritten
    with duckdb.connect(":memory:") as con:
        create_schema(con)
        load_frames(con, frames, source, progress)
        progress(0.95, "copying to the server")
        copy_registry(con, url)
    progress(1.0, "done")
    return url


def _write(target: Path, frames: dict[str, pd.DataFrame], source: str, progress: Progress) -> Path | None:
    """Build the new file beside ``target`` and rename it into place; return where an older-schema file was kept
    (None when there was none)."""
    from cmltrack.db.connection import replaceable_version

    previous = replaceable_version(target)  # refuses a foreign file or a newer registry before any work
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.*.tmp*"):  # left by a killed writer; the lock is ours now
        stale.unlink(missing_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB wants to create the file itself
    try:
        with duckdb.connect(str(tmp)) as con:
            create_schema(con)
            load_frames(con, frames, source, progress)
            progress(0.97, "saving the file")
            con.execute("CHECKPOINT")
        os.chmod(tmp, DATA_FILE_MODE)
        backup = None
        if previous is not None and previous < SCHEMA_VERSION and target.exists():
            backup = keep_backup(target, previous)
            log.info("kept the schema %s database as %s", previous, backup.name)
        os.replace(tmp, target)
        progress(1.0, "done")
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return backup


def read_frames(path: str | Path, upgrading: bool = False) -> tuple[dict[str, pd.DataFrame], str]:
    """The fact tables of an existing registry and its source, for rewriting it: of the current schema, or of an
    older one when ``upgrading``. Raises NotARegistry, NewerSchema or OlderSchema (cmltrack.db.guard) otherwise:
    what this version does not know would be lost in the rewrite."""
    from cmltrack.db.connection import check_registry, columns_of, open_readonly
    from cmltrack.db.guard import OlderSchema

    with open_readonly(path) as con:
        try:
            check_registry(con, str(path))
        except OlderSchema as exc:
            if not upgrading:
                raise OlderSchema(f"{exc}: upgrade it first with `python -m cmltrack upgrade --db {path}`",
                                  exc.version) from None
        frames = {}
        for table in TABLES:
            have = columns_of(con, table)
            if not have:
                frames[table] = empty_frame(table)  # a table added after the file was written
                continue
            cols = [c for c in COLUMNS[table] if c in have]
            # dates as the importer gives them, so that old and new rows concatenate
            frames[table] = with_plain_dates(con.execute(f"SELECT {', '.join(cols)} FROM {table}").df())  # noqa: S608
        if "source" in frames["responses"]:
            frames["responses"] = frames["responses"][frames["responses"]["source"] == "recorded"]
        row = con.execute("SELECT value FROM meta WHERE key = 'source'").fetchone() if columns_of(con, "meta") else None
    return frames, (row[0] if row else "unknown")


def upgrade_database(path: str | Path) -> Path | None:
    """Rewrite a registry in the current schema: its facts are kept, every derived table is recomputed. A file in an
    older schema is kept as PATH.bak-<version> (returned; None for a registry on a server, upgraded in one
    transaction, or a file already current). A newer registry or a file that is not one is refused."""
    from cmltrack.db.connection import DatabaseMissing, exists

    with writer_lock(path):
        if not exists(path):
            raise DatabaseMissing(f"no database at {path}")
        frames, source = read_frames(path, upgrading=True)
        if is_postgres(path):
            _write_server(str(path), frames, source, lambda fraction, text: None)
            return None
        return _write(Path(path), frames, source, lambda fraction, text: None)


def migrate_database(source: str | Path, url: str, replace: bool = False) -> dict[str, int]:
    """Copy every table of the DuckDB file ``source`` into the PostgreSQL registry at ``url`` in one transaction;
    then check, in a new connection, that each table holds as many rows as the file. A registry that already holds
    patients is replaced only with ``replace`` (else ValueError). Returns the row count of each table."""
    from cmltrack.db.connection import DatabaseMissing, open_readonly, schema_version

    if is_postgres(source) or not is_postgres(url):
        raise ValueError("migrate copies a DuckDB file (--db) to a postgresql:// URL (--to)")
    if not Path(source).exists():
        raise DatabaseMissing(f"no database file at {source}")
    with writer_lock(url), open_readonly(source) as con:
        held = registry_patients(url)
        if held and not replace:
            raise ValueError(f"{redacted(url)} already holds a registry of {held} patients; migrate --replace "
                             "overwrites it (or import --db adds patients to it)")
        version = schema_version(con)
        if version != SCHEMA_VERSION:
            raise ValueError(f"{source} is in schema {version}, this cmltrack writes schema {SCHEMA_VERSION}: run "
                             f"`python -m cmltrack upgrade --db {source}` first")
        copied = copy_registry(con, url)
    on_server = row_counts(url)
    if on_server != copied:
        raise RuntimeError(f"row counts differ after the migration to {redacted(url)}: file {copied}, "
                           f"server {on_server}")
    return copied
