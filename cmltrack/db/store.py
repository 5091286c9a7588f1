"""Rows as the registry stores them: fact tables with their columns and plain dates, inserted into a DuckDB
database (a new file, a copy, or an in-memory one copied to a server) with the schema's constraints naming what they
refuse."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pandas as pd
import pyarrow as pa

from cmltrack.db import schema
from cmltrack.db.errors import RowsRefused
from cmltrack.db.schema import COLUMNS, TABLE_KEYS, TABLES, create_schema

__all__ = ["COLUMNS", "OPTIONAL", "RowsRefused", "commit_checked", "empty_frame", "insert_checked", "prepared",
           "quoted_path", "rehearse", "with_plain_dates"]

#: Columns a source may leave out, and the value they then take (differential counts many sources lack, columns
#: added in later schema versions).
OPTIONAL: dict[str, object] = {
    "promyelocytes_pct": None, "immature_granulocytes_pct": None, "age_at_entry": None, "last_contact_date": None,
    "dates_imputed": False, "date_imputed": False, "grade_source": "CTCAE",
    "neutrophils": None, "fish_pct": None, "fish_nuclei": None, "method": None, "ph_positive": True,  # schema 5
    # schema 6
    "arm": None, "actual_arm": None, "died": None, "death_date": None, "relatedness": None, "onset_precision": None,
    "serious": None,
    # schema 8: derived when written (cmltrack.derive); a recorded response rehearsed before the derivation
    "family_measured": False, "shown": False,
}


def quoted_path(path: object) -> str:
    """A file path as a DuckDB string literal."""
    return "'" + str(path).replace("'", "''") + "'"


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


def _incoming(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the columns of ``table`` in order, optional ones filled in."""
    cols = COLUMNS[table]  # KeyError for any table name not in the fixed list
    frame = frame.assign(**{c: OPTIONAL[c] for c in set(OPTIONAL) & set(cols) - set(frame.columns)})
    for c in set(OPTIONAL) & set(cols):  # rows concatenated from a source without the column
        if OPTIONAL[c] is not None and frame[c].isna().any():
            frame[c] = frame[c].astype(object).where(frame[c].notna(), OPTIONAL[c])
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ValueError(f"{table}: missing columns {missing}")
    return frame.loc[:, list(cols)]


def prepared(table: str, frame: pd.DataFrame | pa.Table) -> pa.Table | pd.DataFrame:
    """The rows of ``frame`` as ``insert_checked`` reads them into ``table``: its columns in order, as an Arrow table
    (DuckDB reads it without Python objects or the GIL; dates as date32, NaN as NULL), or a frame when Arrow cannot
    type a column (mixed values: DuckDB's own scan then converts or refuses them). An Arrow table is taken as
    prepared already."""
    if isinstance(frame, pa.Table):
        return frame
    frame = _incoming(table, frame)
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, ValueError, TypeError):
        return frame


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame | pa.Table) -> None:
    cols = COLUMNS[table]
    con.register("incoming", prepared(table, frame))
    col_sql = ", ".join(cols)
    con.execute(f"INSERT INTO {table} ({col_sql}) SELECT {col_sql} FROM incoming")  # noqa: S608 (names from COLUMNS)
    con.unregister("incoming")  # on failure the whole connection is discarded instead


def _refused(table: str, exc: duckdb.Error) -> RowsRefused:
    message = str(exc).split("\n")[0]
    named = re.search(rf"\b{table}\.\"?(\w+)", message)
    return RowsRefused(table, named.group(1) if named else None, message)


def _duplicate_key(table: str, frame: pd.DataFrame | pa.Table) -> RowsRefused | None:
    """The first repeated TABLE_KEYS key of ``frame``, refused as DuckDB refuses a row inserted with it (None: no
    key repeats)."""
    cols = list(TABLE_KEYS[table])
    incoming = prepared(table, frame)  # optional columns filled in, as inserted
    rows = incoming.select(cols).to_pandas() if isinstance(incoming, pa.Table) else incoming.loc[:, cols]
    first = rows[rows.duplicated(cols)].head(1)
    if first.empty:
        return None
    key = ", ".join(f"{c}: {v}" for c, v in zip(cols, first.iloc[0]))
    return RowsRefused(table, None, f'Constraint Error: Duplicate key "{key}" violates primary key constraint.')


def insert_checked(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame | pa.Table,
                   add_key: bool = False) -> None:
    """_insert, with a refusal by the schema's constraints raised as RowsRefused. ``add_key``: the table was
    created without its primary key (schema.create_schema(keys=False)), which is added once the rows are in: in a
    transaction, DuckDB checks it at the commit (``commit_checked``); else now (a key repeated among the rows
    refused as if inserted with the key in place)."""
    try:
        _insert(con, table, frame)
    except (duckdb.ConstraintException, duckdb.ConversionException) as exc:
        raise _refused(table, exc) from None
    if add_key and table in TABLE_KEYS:
        try:
            schema.add_key(con, table)
        except duckdb.ConstraintException as exc:
            raise (_duplicate_key(table, frame) or _refused(table, exc)) from None


def commit_checked(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame | pa.Table]) -> None:
    """Commit the transaction that inserted ``tables`` with insert_checked(add_key=True): a primary key that the
    rows of one of them repeat is refused at the commit, raised as RowsRefused naming the table and the key."""
    try:
        con.execute("COMMIT")
    except duckdb.TransactionException:
        for table, frame in tables.items():
            refused = _duplicate_key(table, frame) if table in TABLE_KEYS else None
            if refused is not None:
                raise refused from None
        raise


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
                insert_checked(con, table, with_plain_dates(frame))
            except RowsRefused as refused:
                return refused
    return None
