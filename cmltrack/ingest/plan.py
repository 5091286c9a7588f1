"""Import: read every source, convert it, check it all together, and only then write (atomically) or refuse.

`check_sources` reports without writing (`python -m cmltrack validate`); `import_sources` writes a new database
file and swaps it in, holding the writer lock from reading the old file to the swap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from cmltrack.db import store
from cmltrack.db.lock import writer_lock
from cmltrack.db.postgres import is_postgres
from cmltrack.db.schema import TABLES
from cmltrack.db.store import COLUMNS, Progress, RowsRefused, empty_frame, read_frames, write_database
from cmltrack.ingest import cdisc, checks, drugs, native, plausibility, trial
from cmltrack.ingest.fields import convert
from cmltrack.ingest.mapped import Mapped
from cmltrack.ingest.problems import ImportRejected, Problem
from cmltrack.ingest.readers import Dataset, read_source

Mode = Literal["add", "replace"]
#: A source: a path, or (path, the name to show for it, e.g. an uploaded file's own name).
Source = str | Path | tuple[str | Path, str]


@dataclass
class DatasetReport:
    """How one dataset was read: the table it feeds (None: not imported), its records and the rows it gives."""

    label: str
    table: str | None
    records: int
    rows: int


@dataclass
class ImportPlan:
    """Everything an import would write, or the problems that stop it."""

    frames: dict[str, pd.DataFrame]
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    datasets: list[DatasetReport] = field(default_factory=list)
    #: implausible but possible values (file, row, column): shown, never blocking
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the sources can be imported."""
        return not self.problems

    @property
    def counts(self) -> dict[str, int]:
        """Rows per table that the import adds."""
        return {t: len(self.frames.get(t, ())) for t in TABLES}


def _read(sources: Sequence[Source]) -> tuple[list[Dataset], list[Problem]]:
    given = [(s if isinstance(s, tuple) else (s, None)) for s in sources]
    names = [display or Path(path).name for path, display in given]
    datasets, problems = [], []
    for k, ((path, display), name) in enumerate(zip(given, names)):
        if names.count(name) > 1:  # two sources of one name are told apart: by their path, or their place
            display = str(path) if display is None else f"{name} (upload {names[:k + 1].count(name)})"
        found, trouble = read_source(path, display)
        datasets += found
        problems += trouble
    return datasets, problems


def _native(ds: Dataset) -> Mapped:
    frame = native.columns_of(ds)
    fields = native.LAYOUT[ds.name]
    known = {f.name for f in fields}
    problems = [Problem(ds.label, None, str(c), f"unknown column; the {ds.name} table has {', '.join(known)}")
                for c in frame.columns if c not in known and not str(c).startswith("unnamed")]
    out, more = convert(frame, fields, ds.label, ds.rows, ds.name)
    notes: list[str] = []
    if ds.name == "treatments":
        out["drug"], spellings = drugs.stored_names(frame["drug"].where(out["drug"].notna()) if "drug" in frame
                                                    else out["drug"])
        notes += drugs.placebo_note(ds.label, spellings)
    if ds.name == "adverse_events":
        out["onset_precision"] = out["onset_date_precision"]
    out["_standard"] = "layout"
    return Mapped(ds.name, out, problems + more, notes)


#: The column each table's imputation flags are folded into.
_FLAG_COLUMN = {"treatments": "dates_imputed", "adverse_events": "dates_imputed", "responses": "date_imputed",
                "concomitant_medications": "dates_imputed"}


def _clean(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The table's stored columns only, with the imputation flags folded into its flag column."""
    flags = [c for c in frame.columns if c.endswith("_imputed") and c not in ("dates_imputed", "date_imputed")]
    target = _FLAG_COLUMN.get(table)
    if target and flags:
        merged = frame[flags].fillna(False).astype(bool).any(axis=1)
        frame = frame.assign(**{target: merged | frame[target].fillna(False).astype(bool) if target in frame
                                else merged})
    return store.with_plain_dates(frame.reindex(columns=list(COLUMNS[table])).reset_index(drop=True))


def check_sources(sources: Sequence[Source], existing_patients: set[str] | frozenset[str] = frozenset()) -> ImportPlan:
    """Read, convert and check the sources; nothing is written.

    ``existing_patients`` are the IDs already in the database the import would add to: the sources may not
    name them again (an import adds new patients; use mode 'replace' to rebuild a database from its sources).
    """
    datasets, problems = _read(sources)
    notes: list[str] = []
    reports: list[DatasetReport] = []
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
    columns: dict[str, dict[str, str]] = {}
    for ds in datasets:
        mapped = _native(ds) if native.is_native(ds) else cdisc.map_dataset(ds)
        if mapped is None:
            reports.append(DatasetReport(ds.label, None, len(ds.frame), 0))
            notes.append(f"{ds.label}: not imported (not a table of cmltrack's layout, nor a CDISC dataset it reads: "
                         "ADSL/DM, ADEX/EX, ADRS/RS, ADAE/AE, ADTTE, LB, CM)")
            continue
        problems += mapped.problems
        notes += mapped.notes
        reports.append(DatasetReport(ds.label, mapped.table, len(ds.frame), len(mapped.frame)))
        if not mapped.frame.empty:
            columns[ds.label] = mapped.frame.attrs.get("columns", {})
            parts[mapped.table].append(mapped.frame)
    tables = {t: _with_columns(t, pd.concat(p, ignore_index=True) if p else pd.DataFrame())
              for t, p in parts.items()}
    for table, frame in tables.items():  # an SDTM dataset beside the ADaM made from it: each record once
        tables[table], more = trial.one_per_pair(table, frame, [k for k in checks.KEYS.get(table, ()) if k in frame])
        notes += more
    tables["treatments"], more = trial.close_open_segments(tables["treatments"], tables["patients"])
    notes += more
    problems += _cross_checks(tables, set(existing_patients), columns)
    errors, warnings = plausibility.check(tables, columns)
    problems += errors
    notes += _imputation_notes(tables)
    frames = {t: _clean(t, f) for t, f in tables.items()}
    if not problems:  # what the database would refuse is refused here, so validating and writing agree
        problems += _rehearsed(frames, tables)
    return ImportPlan(frames, problems, notes, reports, warnings)


def _with_columns(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every stored column of its table and the origin columns (missing ones empty)."""
    missing = [c for c in (*COLUMNS[table], "_file", "_row", "_source", "_standard") if c not in frame]
    return frame.assign(**dict.fromkeys(missing, None)) if missing else frame


def _rehearsed(frames: dict[str, pd.DataFrame], tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """The new rows written into an empty in-memory database of the same schema: what it refuses, named by table,
    file and column."""
    refused = store.rehearse(frames)
    return [] if refused is None else _refusal(refused, tables)


def _refusal(refused: RowsRefused, tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """A refusal by the database's constraints, named by the files that feed the table."""
    frame = tables.get(refused.table)
    files = sorted(set(frame["_file"].dropna())) if frame is not None and len(frame) else ["(the database)"]
    return [Problem(file, None, refused.column, f"the database refuses these {refused.table.replace('_', ' ')}: "
                    f"{refused.message}") for file in files]


def _cross_checks(tables: dict[str, pd.DataFrame], existing: set[str],
                  columns: dict[str, dict[str, str]]) -> list[Problem]:
    problems: list[Problem] = []
    patients = tables["patients"]
    again = patients["patient_id"].isin(list(existing))
    problems += [checks.problem_at(patients, i, columns, "patient_id",
                                   f"patient {patients.at[i, 'patient_id']!r} is already in the database (an import "
                                   "adds new patients; import with replace to rebuild the database from these files)")
                 for i in patients.index[again]]
    known = set(patients["patient_id"].dropna())
    for table, frame in tables.items():
        problems += checks.duplicates(table, frame, columns)
        if table != "patients" and not frame.empty:
            problems += checks.unknown_patients(table, frame, known, columns)
    problems += checks.end_before_start(tables["treatments"], "start_date", "end_date", columns)
    problems += checks.end_before_start(tables["adverse_events"], "onset_date", "end_date", columns)
    problems += checks.end_before_start(tables["concomitant_medications"], "start_date", "end_date", columns)
    problems += checks.overlapping_segments(tables["treatments"], columns)
    problems += checks.zero_doses(tables["treatments"], columns)  # the layout's; CDISC dose holds are gaps
    return problems


def _imputation_notes(tables: dict[str, pd.DataFrame]) -> list[str]:
    notes = []
    for table, frame in tables.items():
        flags = [c for c in frame.columns if c.endswith("_imputed") and not c.startswith("_")]
        if flags and not frame.empty:
            n = int(frame[flags].fillna(False).astype(bool).any(axis=1).sum())
            if n:
                notes.append(f"{table}: {n} rows have a date completed by the import rules (a partial date to the "
                             "first or last day of its month or year; an open exposure record to the subject's end of "
                             "treatment) and are marked as imputed")
    return notes


def _existing(path: str | Path) -> tuple[dict[str, pd.DataFrame], str | None]:
    from cmltrack.db.connection import exists

    if not exists(path):
        return {t: empty_frame(t) for t in TABLES}, None
    return read_frames(path, upgrading=True)  # an older schema is rewritten, its file kept as PATH.bak-<version>


def import_sources(db: str | Path, sources: Sequence[Source], mode: Mode = "add",
                   progress: Progress | None = None) -> ImportPlan:
    """Import the sources into the database at ``db`` (a file, created when missing, or a PostgreSQL URL), or raise
    ImportRejected with every problem found and leave the database exactly as it was.

    mode 'add' keeps the database's patients and adds the sources' (new) ones; 'replace' leaves only the sources'.
    Raises DatabaseBusy when another writer holds the database.
    """
    if mode not in ("add", "replace"):
        raise ValueError(f"mode must be 'add' or 'replace', got {mode!r}")
    path = db if is_postgres(db) else Path(db)
    report = progress or (lambda fraction, text: None)
    with writer_lock(path):
        report(0.0, "reading the sources")
        existing, previous = _existing(path) if mode == "add" else ({t: empty_frame(t) for t in TABLES}, None)
        plan = check_sources(sources, set(existing["patients"]["patient_id"]))
        if not plan.ok:
            raise ImportRejected(plan.problems)
        report(0.05, "checked; building the new database")
        frames = {t: _concat(existing[t], plan.frames[t]) for t in TABLES}
        names = ", ".join(d.label for d in plan.datasets if d.table)
        source = f"import: {names}" if not previous else f"{previous} + import: {names}"
        try:
            write_database(path, frames, source=source, progress=progress)
        except RowsRefused as refused:  # nothing was written; said as a problem, never as a traceback
            raise ImportRejected(_refusal(refused, {})) from None
    return plan


def _concat(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    if old.empty:
        return new
    if new.empty:
        return old
    return pd.concat([old, new], ignore_index=True)
