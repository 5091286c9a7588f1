"""Typed, range-checked conversion of source columns into a table's columns (vectorised, errors collected)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cmltrack.ingest.dates import Role, parse_dates, precision
from cmltrack.ingest.problems import Problem

#: The columns every converted frame carries: where each row came from.
ORIGIN: tuple[str, ...] = ("_file", "_row", "_source")


@dataclass(frozen=True)
class Field:
    """One column of a target table, read from one source column.

    kind: 'text', 'lower' (text, lower case), 'number', 'integer', 'date', 'flag' (Y/N), 'code' (``codes`` maps
    accepted spellings, upper case, to stored values) or 'named' (text passed to ``normalise``, whose ValueError
    is the row's error). ``low``/``high`` bound numbers (inclusive); ``role`` is the
    partial-date rule of a date (cmltrack.ingest.dates).
    """

    name: str
    source: str
    kind: str = "text"
    required: bool = False
    low: float | None = None
    high: float | None = None
    role: Role = "exact"
    codes: dict[str, object] = field(default_factory=dict)
    what: str = ""  # how a range error reads, e.g. "a percentage"
    normalise: Callable[[str], object] | None = None  # kind 'named'


_FLAGS = {"Y": True, "YES": True, "TRUE": True, "1": True, "N": False, "NO": False, "FALSE": False, "0": False}


def blank(values: pd.Series) -> pd.Series:
    """Missing or empty text."""
    text = values.astype("string").str.strip()
    return values.isna() | (text == "").fillna(True)


def _convert(values: pd.Series, f: Field) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    """(converted values, error message or None per row, date-imputed flags for dates)."""
    empty = blank(values)
    error = pd.Series(None, index=values.index, dtype=object)
    imputed = None
    if f.kind in ("text", "lower"):
        out = values.astype("string").str.strip().astype(object).where(~empty, None)
        if f.kind == "lower":
            out = out.where(out.isna(), out.astype("string").str.lower().astype(object))
    elif f.kind in ("number", "integer"):
        raw = values.astype("string").str.strip() if values.dtype == object or values.dtype == "string" else values
        out = pd.to_numeric(raw.where(~empty), errors="coerce").astype(float)
        error[~empty & out.isna()] = "not a number"
        if f.kind == "integer":
            error[out.notna() & (out != np.floor(out))] = "not a whole number"
        if f.low is not None:
            error[out < f.low] = _range(f)
        if f.high is not None:
            error[out > f.high] = _range(f)
    elif f.kind == "date":
        out, imputed, error = parse_dates(values.where(~empty, None), f.role)
    elif f.kind in ("flag", "code"):
        table = _FLAGS if f.kind == "flag" else f.codes
        key = values.astype("string").str.strip().str.upper()
        out = key.map(lambda k: table.get(k) if isinstance(k, str) else None).astype(object)
        unknown = ~empty & out.isna()
        accepted = ", ".join(sorted({str(k) for k in table}))
        error[unknown] = [f"unknown value {v!r}; expected one of {accepted}" for v in values[unknown]]
    elif f.kind == "named":
        out = pd.Series(None, index=values.index, dtype=object)
        for i in values.index[~empty]:
            try:
                out[i] = f.normalise(str(values[i]).strip())
            except ValueError as exc:
                error[i] = str(exc).split(": ", 1)[-1]
    else:
        raise ValueError(f"unknown field kind {f.kind!r}")
    if f.required:
        error[empty] = "missing (required)"
    return out, error, imputed


def _range(f: Field) -> str:
    what = f.what or ("a percentage" if (f.low, f.high) == (0, 100) else "the value")
    if f.high is None:
        return f"{what} must be at least {f.low:g}" if f.low else f"{what} must not be negative"
    return f"{what} must be between {f.low:g} and {f.high:g}"


def convert(source: pd.DataFrame, fields: list[Field], file: str, rows: pd.Series, name: str,
            ) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert ``source`` into the ``fields`` of a table.

    Returns the frame (the field columns, ``<date>_imputed`` flags, ``<date>_precision`` ('day', 'month', 'year')
    and the ORIGIN columns) and every problem found,
    each naming ``file``, the row (``rows``) and the source column. Rows with an error stay in the frame (their bad
    cells are missing), so later checks can report on the rest of the row too.
    """
    out = pd.DataFrame(index=source.index)
    problems: list[Problem] = []
    for f in fields:
        if f.source not in source:
            out[f.name] = None
            if f.required:
                problems.append(Problem(file, None, f.source, "required column missing"))
            continue
        values, error, imputed = _convert(source[f.source], f)
        out[f.name] = values
        if imputed is not None:
            out[f"{f.name}_imputed"] = imputed
            out[f"{f.name}_precision"] = precision(source[f.source]).where(values.notna(), None)
        bad = error.notna()
        problems += [Problem(file, int(r), f.source, str(m)) for r, m in zip(rows[bad], error[bad])]
    out["_file"], out["_row"], out["_source"] = file, rows.astype(int).to_numpy(), name
    out.attrs["columns"] = {f.name: f.source for f in fields}  # for messages about a row's cells
    return out, problems
