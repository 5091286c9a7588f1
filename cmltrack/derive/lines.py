"""TKI lines (derived table ``tki_lines``): the one home of what a line of TKI therapy is.

A line is a TKI from its first start; lines are numbered in the order they began (ties by drug name). The current
line as of a date is the last line begun by then; its start is the date the ELN milestones are counted from (ELN
2020, Hochhaus et al., Leukemia 2020;34:966-984: milestones are times from the start of TKI therapy; a switch to
another TKI starts them again).
SQL reads the stored lines (cmltrack.db.queries: tki_line_start, the worklist) instead of recomputing them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cmltrack.clinical.dosing import TKIS

LINE_COLUMNS: tuple[str, ...] = ("patient_id", "line", "drug", "start_date")


def tki_lines(treatments: pd.DataFrame) -> pd.DataFrame:
    """Every patient's TKI lines (columns LINE_COLUMNS; start_date as datetime.date), by patient and line."""
    tki = treatments[treatments["drug"].isin(TKIS)] if len(treatments) else treatments
    if tki.empty:
        return pd.DataFrame({"patient_id": pd.Series(dtype=object), "line": pd.Series(dtype="int64"),
                             "drug": pd.Series(dtype=object), "start_date": pd.Series(dtype=object)})
    # dates and timestamps mix after an import adds
    first = (tki.assign(start_date=pd.to_datetime(tki["start_date"]))
             .groupby(["patient_id", "drug"], as_index=False)["start_date"].min()
             .sort_values(["patient_id", "start_date", "drug"], kind="stable"))
    first["line"] = first.groupby("patient_id").cumcount() + 1
    first["start_date"] = first["start_date"].dt.date.astype(object)
    return first.reset_index(drop=True).loc[:, list(LINE_COLUMNS)]


def current_line_starts(lines: pd.DataFrame) -> dict[str, dt.date]:
    """Each patient's current line start: the first start of the TKI begun last (patients without a TKI left out)."""
    if lines.empty:
        return {}
    last = lines.groupby("patient_id")["line"].transform("max") == lines["line"]
    return dict(zip(lines.loc[last, "patient_id"], lines.loc[last, "start_date"]))
