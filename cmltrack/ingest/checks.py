"""Checks across rows and tables once every source is converted: keys, unknown patients, dates, overlaps."""

from __future__ import annotations

import pandas as pd

from cmltrack.db.schema import PLACEBO
from cmltrack.ingest.problems import Problem

#: The columns that identify a row of each table (two rows may not share them).
KEYS: dict[str, tuple[str, ...]] = {
    "patients": ("patient_id",),
    "treatments": ("patient_id", "drug", "start_date"),
    "labs": ("patient_id", "date"),
    "responses": ("patient_id", "date", "kind"),
    "time_to_event": ("patient_id", "parameter"),
    "mutations": ("patient_id", "date", "mutation"),
    "karyotypes": ("patient_id", "date", "finding", "ph_positive"),
    # the same subject, term and onset (and sequence number, --SEQ, where the source has one) is the same event;
    # an unknown onset is a value like any other here
    "adverse_events": ("patient_id", "term", "onset_date", "_seq"),
    "concomitant_medications": ("patient_id", "term", "start_date", "_seq"),
}
#: Key columns that may be missing in a row that is otherwise sound.
MAY_BE_MISSING: frozenset[str] = frozenset({"onset_date", "_seq", "concomitant_medications.start_date"})


def _col(columns: dict[str, dict[str, str]], file: str, name: str) -> str:
    return columns.get(file, {}).get(name, name)


def problem_at(frame: pd.DataFrame, i: object, columns: dict[str, dict[str, str]], column: str,
               message: str) -> Problem:
    """A problem with row ``i`` of a converted frame, naming its file, its row and the source's name of ``column``."""
    file = frame.at[i, "_file"]
    return Problem(file, int(frame.at[i, "_row"]), _col(columns, file, column), message)


def _at(frame: pd.DataFrame, i: object) -> str:
    return f"row {int(frame.at[i, '_row'])} of {frame.at[i, '_file']}"


def duplicates(table: str, frame: pd.DataFrame, columns: dict[str, dict[str, str]]) -> list[Problem]:
    """Rows sharing the table's key (KEYS), each named with the row it repeats."""
    if frame.empty or table not in KEYS:
        return []
    key = [k for k in KEYS[table] if k in frame]
    needed = key[:1] + [k for k in key if k.endswith("date") and k not in MAY_BE_MISSING
                        and f"{table}.{k}" not in MAY_BE_MISSING]
    usable = frame.dropna(subset=needed)
    dup = usable.duplicated(subset=key, keep="first")
    first = usable.reset_index().groupby(key, dropna=False, sort=False)["index"].transform("first")
    first.index = usable.index
    named_column = next(k for k in reversed(key) if not k.startswith("_"))

    def named(i: object) -> str:
        file = usable.at[i, "_file"]
        return ", ".join(_col(columns, file, k) for k in key if not pd.isna(usable.at[i, k]))

    return [problem_at(usable, i, columns, named_column, f"duplicate row: same {named(i)} as {_at(usable, first[i])}")
            for i in usable.index[dup]]


def unknown_patients(table: str, frame: pd.DataFrame, known: set[str],
                     columns: dict[str, dict[str, str]]) -> list[Problem]:
    """Rows naming a patient found in no patients source and not in the database."""
    bad = frame["patient_id"].notna() & ~frame["patient_id"].isin(list(known))
    return [problem_at(frame, i, columns, "patient_id",
                       f"unknown patient {frame.at[i, 'patient_id']!r}: in no patients file and not in the database")
            for i in frame.index[bad]]


def end_before_start(frame: pd.DataFrame, start: str, end: str, columns: dict[str, dict[str, str]]) -> list[Problem]:
    """Rows that end before they start."""
    bad = frame[end].notna() & frame[start].notna() & (pd.to_datetime(frame[end]) < pd.to_datetime(frame[start]))
    return [problem_at(frame, i, columns, end,
                       f"ends ({frame.at[i, end]:%Y-%m-%d}) before it starts ({frame.at[i, start]:%Y-%m-%d})")
            for i in frame.index[bad]]


def overlapping_segments(frame: pd.DataFrame, columns: dict[str, dict[str, str]]) -> list[Problem]:
    """Segments of the same drug for the same patient that overlap in time.

    A segment may start on the day the previous one ends (a dose change that day); it may not start earlier, and
    nothing may start after an open-ended (ongoing) segment of the same drug.
    """
    t = frame.dropna(subset=["patient_id", "drug", "start_date"])
    if t.empty:
        return []
    t = t.assign(_start=pd.to_datetime(t["start_date"]), _end=pd.to_datetime(t["end_date"]))
    t = t.sort_values(["patient_id", "drug", "_start"], kind="stable")
    previous_end = t.groupby(["patient_id", "drug"])["_end"].shift()
    has_previous = t.groupby(["patient_id", "drug"]).cumcount() > 0
    previous_index = pd.Series(t.index, index=t.index).groupby([t["patient_id"], t["drug"]]).shift()
    open_before = has_previous & previous_end.isna()
    bad = has_previous & (open_before | (t["_start"] < previous_end))
    return [problem_at(t, i, columns, "start_date",
                       f"{t.at[i, 'drug']} segment overlaps the one at {_at(frame, previous_index[i])}")
            for i in t.index[bad]]


def zero_doses(frame: pd.DataFrame, columns: dict[str, dict[str, str]]) -> list[Problem]:
    """0 mg is accepted only for placebo."""
    bad = (frame["dose_mg"] == 0) & (frame["drug"] != PLACEBO)
    return [problem_at(frame, i, columns, "dose_mg", "a dose of 0 mg is accepted only for placebo")
            for i in frame.index[bad]]
