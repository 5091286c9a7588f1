"""Parameterised read queries. Every user-controlled value travels as a bound parameter.

Functions take a DuckDB connection or cursor (one per session in the app) and return pandas DataFrames.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from cmltrack.filters import CohortFilter

_LANE_COLUMNS = """
    p.patient_id, p.sex, p.im_status, p.phase_at_diagnosis, p.diagnosis_date,
    s.age_years, s.im_start_date, s.thal_start_date, s.last_visit_date, s.months_im_before_thal,
    s.followup_months, s.thal_months, s.on_thalidomide, s.eutos_score, s.eutos_group, s.phase_at_thal,
    s.evaluable, s.best_response, s.best_response_rank"""

_FROM = "FROM patients p JOIN patient_summary s ON s.patient_id = p.patient_id"


def _where(f: CohortFilter) -> tuple[str, list]:
    """SQL condition (fixed text only) and its parameters for a filter."""
    clauses: list[str] = []
    params: list = []
    for values, column in ((f.status, "p.im_status"), (f.sex, "p.sex"), (f.phase, "s.phase_at_thal"),
                           (f.eutos, "s.eutos_group"), (f.best, "s.best_response")):
        if values:
            clauses.append(f"list_contains(?::VARCHAR[], {column})")
            params.append(list(values))
    if f.age is not None:
        clauses.append("s.age_years BETWEEN ? AND ?")
        params.extend([int(f.age[0]), int(f.age[1])])
    return (" AND ".join(clauses) or "TRUE"), params


def cohort_lanes(con: duckdb.DuckDBPyConnection, f: CohortFilter) -> pd.DataFrame:
    """One row per patient passing the filter, with the derived summary columns."""
    where, params = _where(f)
    return con.execute(f"SELECT {_LANE_COLUMNS} {_FROM} WHERE {where} ORDER BY p.patient_id", params).df()


def count_patients(con: duckdb.DuckDBPyConnection, f: CohortFilter) -> tuple[int, int]:
    """(patients passing the filter, patients in the database)."""
    where, params = _where(f)
    row = con.execute(
        f"SELECT count(*) FILTER (WHERE {where}), count(*) {_FROM}", params).fetchone()
    return int(row[0]), int(row[1])


def age_bounds(con: duckdb.DuckDBPyConnection) -> tuple[int, int] | None:
    """Youngest and oldest age at thalidomide start in the database; None when it holds no ages."""
    row = con.execute("SELECT min(age_years), max(age_years) FROM patient_summary").fetchone()
    return None if row[0] is None else (int(row[0]), int(row[1]))


def treatments_for(con: duckdb.DuckDBPyConnection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """Constant-dose treatment segments of the given patients."""
    return con.execute(
        """SELECT patient_id, drug, dose_mg, start_date, end_date, reason_stopped FROM treatments
           WHERE list_contains(?::VARCHAR[], patient_id) ORDER BY patient_id, drug, start_date""",
        [list(patient_ids)]).df()


def events_for(con: duckdb.DuckDBPyConnection, patient_ids: Sequence[str], source: str = "recorded") -> pd.DataFrame:
    """Responses (of one source) and adverse events of the given patients, as one event table.

    Columns: patient_id, date, end_date, kind (response code or 'AE'), grade, term, drug.
    """
    return con.execute(
        """SELECT patient_id, date, NULL::DATE AS end_date, kind, NULL::INTEGER AS grade,
                  NULL::VARCHAR AS term, NULL::VARCHAR AS drug
           FROM responses WHERE source = ? AND list_contains(?::VARCHAR[], patient_id)
           UNION ALL
           SELECT patient_id, onset_date, end_date, 'AE', ctcae_grade, coalesce(meddra_pt, term), attributed_drug
           FROM adverse_events WHERE list_contains(?::VARCHAR[], patient_id)
           ORDER BY patient_id, date""",
        [source, list(patient_ids), list(patient_ids)]).df()


def adverse_events_for(con: duckdb.DuckDBPyConnection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """Adverse events of the given patients."""
    return con.execute(
        """SELECT patient_id, term, meddra_pt, ctcae_grade, ctcae_version, onset_date, end_date, serious,
                  attributed_drug
           FROM adverse_events WHERE list_contains(?::VARCHAR[], patient_id) ORDER BY patient_id, onset_date""",
        [list(patient_ids)]).df()


def labs_for(con: duckdb.DuckDBPyConnection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """Visits (labs) of the given patients, in date order."""
    return con.execute(
        """SELECT * FROM labs WHERE list_contains(?::VARCHAR[], patient_id) ORDER BY patient_id, date""",
        [list(patient_ids)]).df()
