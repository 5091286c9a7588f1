"""What every CDISC mapper returns, and the helpers they share: the first variable present, and a date taken from
the first of several variables that holds one (an ADaM analysis date, else the SDTM date it was derived from)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cmltrack.ingest.dates import Role
from cmltrack.ingest.fields import Field, blank, convert
from cmltrack.ingest.problems import Problem
from cmltrack.ingest.readers import Dataset

#: ADaM imputation flag (--DTF) -> how much of the date the source knew: 'D' the day was imputed, 'M' month and day,
#: 'Y' everything (ADaM IG 1.3, section 3.3.3 "Date and Time Imputation Flag Variables").
FLAG_PRECISION: dict[str, str] = {"D": "month", "M": "year", "Y": "year"}


@dataclass
class Mapped:
    """A source dataset converted to one cmltrack table, with its problems and what the user should know."""

    table: str
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def first(f: pd.DataFrame, *names: str) -> str | None:
    """The first of ``names`` that is a variable of ``f``."""
    return next((n for n in names if n in f), None)


def _flag_of(column: str) -> str:
    """The ADaM imputation flag of a date variable: ASTDT, ASTDTM -> ASTDTF; DTHDT -> DTHDTF."""
    return column[:-1] + "F" if column.endswith("DTM") else column + "F"


def first_date(ds: Dataset, f: pd.DataFrame, name: str, candidates: tuple[str, ...], role: Role,
               required: bool = False) -> tuple[pd.DataFrame, list[Problem]]:
    """Column ``name`` from the first of ``candidates`` holding a value in each row, completed by the partial-date
    rule of ``role``; with ``<name>_imputed`` (by the rule, or flagged by the ADaM), ``<name>_precision`` ('day',
    'month', 'year') and ``<name>_from`` (the variable used). Problems are those of the variable each row used;
    ``required`` makes a row with none of them an error (named after the first candidate)."""
    rows = ds.rows[f.index]
    if required and not any(c in f for c in candidates):
        return pd.DataFrame({name: pd.Series(pd.NaT, index=f.index), f"{name}_imputed": False,
                             f"{name}_precision": None, f"{name}_from": None}, index=f.index), [
            Problem(ds.label, None, candidates[-1], "required column missing")]
    out = pd.DataFrame({name: pd.Series(pd.NaT, index=f.index, dtype="datetime64[s]"),
                        f"{name}_imputed": False, f"{name}_precision": None, f"{name}_from": None}, index=f.index)
    problems: list[Problem] = []
    todo = pd.Series(True, index=f.index)
    for column in [c for c in candidates if c in f]:
        use = todo & ~blank(f[column])
        if not use.any():
            continue
        got, trouble = convert(f.loc[use, [column]], [Field(name, column, "date", role=role)], ds.label, rows[use],
                               ds.name)
        problems += trouble
        out.loc[use, name] = pd.to_datetime(got[name])
        out.loc[use, f"{name}_imputed"] = got[f"{name}_imputed"]
        out.loc[use, f"{name}_precision"] = got[f"{name}_precision"]
        out.loc[use, f"{name}_from"] = column
        flag = _flag_of(column)
        if flag in f:
            flagged = use & ~blank(f[flag])
            out.loc[flagged, f"{name}_imputed"] = True
            out.loc[flagged, f"{name}_precision"] = f.loc[flagged, flag].astype(str).str.strip().str.upper().map(
                FLAG_PRECISION).fillna("day")
        todo &= ~use
    if required:
        problems += [Problem(ds.label, int(r), first(f, *candidates), "missing (required)") for r in rows[todo]]
    out[f"{name}_imputed"] = out[f"{name}_imputed"].astype(bool)
    return out, problems


def with_dates(ds: Dataset, f: pd.DataFrame, out: pd.DataFrame,
               specs: tuple[tuple[str, tuple[str, ...], Role, bool], ...]) -> tuple[pd.DataFrame, list[Problem]]:
    """``out`` with a date column per spec (name, candidate variables, partial-date role, required) from
    ``first_date``; messages about the column name the first candidate present."""
    columns = dict(out.attrs.get("columns", {}))
    problems: list[Problem] = []
    for name, candidates, role, required in specs:
        dates, more = first_date(ds, f, name, candidates, role, required=required)
        out = out.join(dates)
        problems += more
        columns[name] = first(f, *candidates) or candidates[-1]
    out.attrs["columns"] = columns
    return out, problems
