"""Plausibility of converted sources: values that are well formed but cannot be (errors) or are unlikely (warnings),
each named by file, row and column.

Errors: a date in the future (its earliest possible day, for a partial date, is after today); a birth after the
patient's diagnosis, first treatment or death; a daily dose more than ten times beyond its label
(cmltrack.clinical.dosing). Warnings: an age over MAX_AGE years (given, or from the birth date at the first
treatment or the last contact); a daily dose outside its label.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cmltrack.clinical.dosing import LABEL_MG_PER_DAY, dose_plausibility
from cmltrack.ingest.checks import problem_at
from cmltrack.ingest.problems import Problem

#: Older than this (completed years) is taken for a data error worth a look (the oldest documented person died at
#: 122; a CML trial patient over 110 is far more likely a placeholder birth date such as 1900-01-01).
MAX_AGE = 110


def _earliest(frame: pd.DataFrame, column: str) -> pd.Series:
    """The earliest day a (possibly partial) date can be: the first of its month or year when the source gave
    only those."""
    dates = pd.to_datetime(frame[column])
    precision = frame.get(f"{column}_precision")
    if precision is None:
        return dates
    year_start = dates.dt.to_period("Y").dt.start_time
    month_start = dates.dt.to_period("M").dt.start_time
    return dates.where(precision != "month", month_start).where(precision != "year", year_start)


def _future(tables: dict[str, pd.DataFrame], columns: dict[str, dict[str, str]],
            today: dt.date) -> list[Problem]:
    problems = []
    for frame in tables.values():
        for column in [c for c in frame.columns if (c == "date" or c.endswith("_date")) and not c.startswith("_")]:
            if frame.empty or frame[column].isna().all():
                continue
            late = _earliest(frame, column) > pd.Timestamp(today)
            problems += [problem_at(frame, i, columns, column, f"{pd.Timestamp(frame.at[i, column]):%Y-%m-%d} is in "
                                    f"the future (today is {today:%Y-%m-%d})") for i in frame.index[late.fillna(False)]]
    return problems


def completed_years(birth: pd.Series, when: pd.Series) -> pd.Series:
    """Age in completed years on ``when`` (NaN where either date is missing)."""
    before_birthday = (when.dt.month < birth.dt.month) | ((when.dt.month == birth.dt.month) & (when.dt.day <
                                                                                              birth.dt.day))
    return (when.dt.year - birth.dt.year - before_birthday.astype(int)).where(birth.notna() & when.notna())


def _first_by_patient(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per patient, the row with the earliest ``column`` (its date, file and row)."""
    rows = frame.dropna(subset=["patient_id", column])
    if rows.empty:
        return pd.DataFrame(columns=["_when", "_file", "_row"])
    rows = rows.assign(_when=pd.to_datetime(rows[column])).sort_values("_when", kind="stable")
    return rows.drop_duplicates("patient_id").set_index("patient_id")[["_when", "_file", "_row"]]


def _birth(tables: dict[str, pd.DataFrame], columns: dict[str, dict[str, str]]) -> tuple[list[Problem], list[Problem]]:
    patients = tables["patients"]
    errors: list[Problem] = []
    warnings: list[Problem] = []
    if patients.empty:
        return errors, warnings
    born = _earliest(patients, "birth_date")
    treated = _first_by_patient(tables["treatments"], "start_date")
    first_start = pd.to_datetime(patients["patient_id"].map(treated["_when"]))
    for i in patients.index[(born > first_start).fillna(False)]:
        where = treated.loc[patients.at[i, "patient_id"]]
        errors.append(problem_at(patients, i, columns, "birth_date",
                                 f"born {pd.Timestamp(patients.at[i, 'birth_date']):%Y-%m-%d}, after the first "
                                 f"treatment ({where['_when']:%Y-%m-%d}, row {int(where['_row'])} of "
                                 f"{where['_file']})"))
    for other, what in (("diagnosis_date", "diagnosis"), ("death_date", "death")):
        after = born > pd.to_datetime(patients[other])
        errors += [problem_at(patients, i, columns, "birth_date",
                              f"born {pd.Timestamp(patients.at[i, 'birth_date']):%Y-%m-%d}, after the {what} "
                              f"({pd.Timestamp(patients.at[i, other]):%Y-%m-%d})") for i in patients.index[after.fillna(
                                  False)]]
    given = pd.to_numeric(patients["age_at_entry"], errors="coerce")
    warnings += [problem_at(patients, i, columns, "age_at_entry", f"an age of {given[i]:g} years (over {MAX_AGE}): "
                            "check it") for i in patients.index[(given > MAX_AGE).fillna(False)]]
    birth = pd.to_datetime(patients["birth_date"])
    latest = pd.concat([first_start, pd.to_datetime(patients["last_contact_date"])], axis=1).max(axis=1)
    years = completed_years(birth, latest)
    warnings += [problem_at(patients, i, columns, "birth_date",
                            f"born {birth[i]:%Y-%m-%d}: {int(years[i])} years old by {latest[i]:%Y-%m-%d} (over "
                            f"{MAX_AGE}); check it") for i in patients.index[(years > MAX_AGE).fillna(False)]]
    return errors, warnings


def _doses(treatments: pd.DataFrame, columns: dict[str, dict[str, str]]) -> tuple[list[Problem], list[Problem]]:
    errors: list[Problem] = []
    warnings: list[Problem] = []
    judged = treatments[treatments["drug"].isin(list(LABEL_MG_PER_DAY)) & (treatments["dose_mg"] > 0)]
    for i, drug, dose in zip(judged.index, judged["drug"], judged["dose_mg"]):
        verdict = dose_plausibility(drug, float(dose))
        low, high = LABEL_MG_PER_DAY[drug]
        if verdict == "error":
            errors.append(problem_at(judged, i, columns, "dose_mg", f"{drug} {dose:g} mg a day cannot be a daily dose "
                                     f"(the label's range is {low:g}-{high:g} mg a day): is the unit or the "
                                     "frequency wrong?"))
        elif verdict == "warning":
            warnings.append(problem_at(judged, i, columns, "dose_mg", f"{drug} {dose:g} mg a day is outside the "
                                       f"label's {low:g}-{high:g} mg a day"))
    return errors, warnings


def check(tables: dict[str, pd.DataFrame], columns: dict[str, dict[str, str]],
          today: dt.date | None = None) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of the converted tables (with their _file and _row columns)."""
    today = today or dt.date.today()
    errors = _future(tables, columns, today)
    more_errors, warnings = _birth(tables, columns)
    dose_errors, dose_warnings = _doses(tables["treatments"], columns)
    return errors + more_errors + dose_errors, warnings + dose_warnings
