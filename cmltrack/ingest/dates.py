"""ISO 8601 dates from sources, with the rule for partial dates (vectorised).

The rule (README "Importing data"), the same as admiral's defaults for ADaM so an SDTM import matches its ADaM:
- a complete date (YYYY-MM-DD, any time part ignored) is taken as it is;
- a date without its day (YYYY-MM) or without month and day (YYYY) is completed and flagged as imputed:
  start dates (treatment start, adverse-event onset, diagnosis, time-to-event origin) to the first day of the month
  or year; end dates (treatment end, adverse-event end, last contact) to the last day; response assessments to the
  last day of the month (a response is never shown before it could have been seen); birth dates to the 15th of the
  month or 1 July of the year;
- a response assessment or lab visit known only to the year, and any other text, is an error.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pandas as pd

Role = Literal["start", "end", "assessment", "birth", "exact"]
ROLES: tuple[str, ...] = ("start", "end", "assessment", "birth", "exact")
_ISO = r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?(?:[T ][0-9:.+\-Z]*)?$"


def _as_text(values: pd.Series) -> pd.Series:
    """Every value as ISO text (dates, datetimes and Excel timestamps too); missing values as NA."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").astype(object).where(values.notna(), None)

    def text(v: object) -> str | None:
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT or v is pd.NA:
            return None
        if isinstance(v, dt.datetime | dt.date):
            return v.strftime("%Y-%m-%d")
        s = str(v).strip()
        return s or None

    return values.map(text).astype(object)


def parse_dates(values: pd.Series, role: Role) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(dates as datetime64 or NaT, whether each was imputed, an error message per row or None)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    text = _as_text(values)
    parts = text.astype("string").str.extract(_ISO)
    present = text.notna()
    y, m, d = parts["y"], parts["m"], parts["d"]
    full = y.notna() & m.notna() & d.notna()
    month_only = y.notna() & m.notna() & d.isna()
    year_only = y.notna() & m.isna()
    error = pd.Series(None, index=values.index, dtype=object)
    error[present & y.isna()] = "not a date: write dates as ISO 8601 (YYYY-MM-DD)"
    ok_month = pd.to_numeric(m, errors="coerce").between(1, 12).fillna(False).astype(bool)
    error[present & m.notna() & ~ok_month] = "not a date: month outside 1-12"

    def ymd(mask: pd.Series, day: pd.Series | str) -> pd.Series:
        stamp = (y + "-" + m.fillna("01") + "-" + day).where(mask)
        return pd.to_datetime(stamp, format="%Y-%m-%d", errors="coerce")

    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
    stamp = ymd(full & ok_month, d)
    error[full & ok_month & stamp.isna()] = "not a date: no such day"
    out[full] = stamp[full]
    month_only &= ok_month
    first_of_month = ymd(month_only, "01")
    first_of_year = ymd(year_only, "01")

    partial = month_only | year_only
    if role == "exact":
        error[partial] = "partial date: a lab visit needs its full date"
    elif role == "assessment":
        error[year_only] = "partial date: a response assessment known only to the year cannot be placed"
    if role == "start":
        month_value, year_value = first_of_month, first_of_year
    elif role in ("end", "assessment"):
        month_value = first_of_month + pd.offsets.MonthEnd(0)
        year_value = first_of_year + pd.offsets.YearEnd(0)
    elif role == "birth":
        month_value, year_value = first_of_month + pd.Timedelta(days=14), first_of_year + pd.DateOffset(months=6)
    else:
        month_value = year_value = pd.Series(pd.NaT, index=values.index)
    imputed = pd.Series(False, index=values.index)
    if role != "exact":
        take_month = month_only & error.isna()
        take_year = year_only & error.isna()
        out[take_month] = month_value[take_month]
        out[take_year] = year_value[take_year]
        imputed = take_month | take_year
    out[error.notna()] = pd.NaT
    return out, imputed.astype(bool), error


def precision(values: pd.Series) -> pd.Series:
    """How much of each date the source gave: 'day', 'month' or 'year' (None when missing or not a date)."""
    parts = _as_text(values).astype("string").str.extract(_ISO)
    out = pd.Series(None, index=values.index, dtype=object)
    out[parts["y"].notna()] = "year"
    out[parts["m"].notna()] = "month"
    out[parts["d"].notna()] = "day"
    return out
