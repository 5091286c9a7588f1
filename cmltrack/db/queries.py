"""Parameterised read queries. Every user-controlled value travels as a bound parameter.

Functions take a DuckDB connection or cursor (one per session in the app), or a PostgreSQL reader, and return pandas
DataFrames. The SQL is written once in the dialect both engines run: ``x = ANY(?::VARCHAR[])`` for a list,
date subtraction for days, ``generate_series``, FILTER and CASE instead of DuckDB's list functions and PIVOT.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cmltrack.clinical.genetics import HIGH_RISK_ACA, NONE
from cmltrack.clinical.responses import FAMILIES, FAMILY
from cmltrack.db.connection import Connection
from cmltrack.derive import TKIS
from cmltrack.filters import CohortFilter

_LANE_COLUMNS = """
    p.patient_id, p.sex, p.im_status, p.phase_at_diagnosis, p.diagnosis_date, p.arm, p.died,
    s.age_years, s.age_at_diagnosis, s.first_treatment_date, s.im_start_date, s.thal_start_date, s.last_visit_date,
    s.months_im_before_thal,
    s.followup_months, s.thal_months, s.on_thalidomide, s.sokal_score, s.sokal_group, s.hasford_score,
    s.hasford_group, s.eutos_score, s.eutos_group, s.elts_score, s.elts_group, s.phase_at_thal,
    s.evaluable, s.best_response, s.best_response_rank,
    a.category AS eln_latest, a.date AS eln_latest_date, a.months AS eln_latest_months,
    CAST(a.date - s.thal_start_date AS DOUBLE PRECISION) / 30.4375 AS eln_latest_thal_month"""

_FROM = "FROM patients p JOIN patient_summary s ON s.patient_id = p.patient_id"
_LATEST_ELN = ("LEFT JOIN eln_assessments a ON a.patient_id = p.patient_id AND a.guideline = ? "
               "AND a.milestone = 'latest'")


def _where(f: CohortFilter) -> tuple[str, list]:
    """SQL condition (fixed text only) and its parameters for a filter."""
    clauses: list[str] = []
    params: list = []
    for values, column in ((f.status, "p.im_status"), (f.sex, "p.sex"), (f.phase, "s.phase_at_thal"),
                           (f.eutos, "s.eutos_group"), (f.best, "s.best_response"), (f.arm, "p.arm")):
        if values:
            clauses.append(f"{column} = ANY(?::VARCHAR[])")
            params.append(list(values))
    if f.age is not None:
        clauses.append("s.age_years BETWEEN ? AND ?")
        params.extend([int(f.age[0]), int(f.age[1])])
    return (" AND ".join(clauses) or "TRUE"), params


def cohort_lanes(con: Connection, f: CohortFilter, guideline: str = "ELN2020") -> pd.DataFrame:
    """One row per patient passing the filter, with the derived summary and the latest ELN classification."""
    where, params = _where(f)
    return con.execute(f"SELECT {_LANE_COLUMNS} {_FROM} {_LATEST_ELN} WHERE {where} ORDER BY p.patient_id",
                       [guideline, *params]).df()


def count_patients(con: Connection, f: CohortFilter) -> tuple[int, int]:
    """(patients passing the filter, patients in the database)."""
    where, params = _where(f)
    row = con.execute(
        f"SELECT count(*) FILTER (WHERE {where}), count(*) {_FROM}", params).fetchone()
    return int(row[0]), int(row[1])


#: Months of the cohort overview, relative to each patient's anchor date.
OVERVIEW_MONTHS = (-24, 24)
#: Columns of the cohort overview after the month.
_OVERVIEW_SERIES = ("followed", "on_imatinib", "on_thalidomide", "reached_chr", "reached_ccyr", "reached_mmr")
#: Response kinds that count as having reached each depth (the kind or a deeper one).
_DEPTHS = ", ".join(f"('{depth}', '{kind}')" for depth, kinds in (
    ("chr", ("CHR", "PCYR", "CCYR", "MMR", "MR4", "MR4.5", "MR5")),
    ("ccyr", ("CCYR", "MMR", "MR4", "MR4.5", "MR5")),
    ("mmr", ("MMR", "MR4", "MR4.5", "MR5"))) for kind in kinds)


def cohort_overview(con: Connection, f: CohortFilter, anchor_column: str,
                    guideline: str = "ELN2020") -> pd.DataFrame:
    """Per month since each patient's anchor date (OVERVIEW_MONTHS): patients followed (diagnosis, else first
    treatment, to the last visit), on imatinib, on
    thalidomide, and having reached CHR, CCyR, MMR (first shown response of that depth or deeper) by then.

    One aggregate over every patient passing the filter, however many: the overview of a cohort too large to read
    lane by lane. ``anchor_column``: a date column of patient_summary (first_treatment_date, thal_start_date, ...).
    """
    if anchor_column not in ("thal_start_date", "im_start_date", "first_treatment_date", "diagnosis_date"):
        raise ValueError(f"unknown anchor column {anchor_column!r}")
    anchor = "p.diagnosis_date" if anchor_column == "diagnosis_date" else f"s.{anchor_column}"
    where, params = _where(f)
    first, last = OVERVIEW_MONTHS
    # Month m stands for the day anchor + round(m * 30.4375). Each interval (follow-up, a drug segment, "reached
    # by then") becomes the months [a, b] whose day falls inside it, clipped to the follow-up and the window; +1 at a
    # and -1 after b, summed and accumulated over the months, counts the patients inside it at every month without
    # ever listing patient x month rows (100,000 patients in well under a second).
    return con.execute(f"""
        WITH cohort AS (
            SELECT p.patient_id, {anchor} AS anchor,
                   greatest(CAST(ceil((coalesce(p.diagnosis_date, s.first_treatment_date, {anchor}) - {anchor}
                                       - 0.5) / 30.4375) AS INTEGER), ?::INTEGER) AS f0,
                   least(CAST(floor((s.last_visit_date - {anchor} + 0.5) / 30.4375 - 1e-9) AS INTEGER),
                         ?::INTEGER) AS f1
            {_FROM} WHERE {where} AND {anchor} IS NOT NULL AND s.last_visit_date IS NOT NULL),
        spans AS (
            SELECT 'followed' AS what, f0 AS a, f1 AS b FROM cohort
            UNION ALL
            SELECT CASE t.drug WHEN 'imatinib' THEN 'on_imatinib' ELSE 'on_thalidomide' END,
                   greatest(CAST(ceil((t.start_date - c.anchor - 0.5) / 30.4375) AS INTEGER), c.f0),
                   least(CAST(floor((coalesce(t.end_date, DATE '9999-12-31') - c.anchor + 0.5) / 30.4375 - 1e-9)
                              AS INTEGER), c.f1)
            FROM treatments t JOIN cohort c ON c.patient_id = t.patient_id
            WHERE t.drug IN ('imatinib', 'thalidomide')
            UNION ALL
            SELECT 'reached_' || x.depth,
                   greatest(CAST(ceil((x.date - c.anchor - 0.5) / 30.4375) AS INTEGER), c.f0), c.f1
            FROM (SELECT r.patient_id, d.depth, min(r.date) AS date
                  FROM responses r JOIN patient_summary s ON s.patient_id = r.patient_id
                  JOIN (VALUES {_DEPTHS}) d(depth, kind) ON d.kind = r.kind
                  WHERE (r.source = 'derived' AND r.guideline = ? AND {_MEASURED})
                     OR (r.source = 'recorded' AND NOT {_MEASURED})
                  GROUP BY r.patient_id, d.depth) x
            JOIN cohort c ON c.patient_id = x.patient_id),
        steps AS (
            SELECT what, a AS month, 1 AS step FROM spans WHERE a <= b
            UNION ALL
            SELECT what, b + 1, -1 FROM spans WHERE a <= b),
        months AS (SELECT g.month FROM generate_series(?::INTEGER, ?::INTEGER) AS g(month)),
        whats AS (SELECT w.what FROM (VALUES {", ".join(f"('{w}')" for w in _OVERVIEW_SERIES)}) w(what)),
        counts AS (
            SELECT w.what, m.month,
                   CAST(sum(coalesce(sum(st.step), 0)) OVER (PARTITION BY w.what ORDER BY m.month) AS BIGINT) AS n
            FROM whats w CROSS JOIN months m
            LEFT JOIN steps st ON st.what = w.what AND st.month = m.month
            GROUP BY w.what, m.month)
        SELECT CAST(month AS BIGINT) AS month,
               {", ".join(f"max(n) FILTER (WHERE what = '{w}') AS {w}" for w in _OVERVIEW_SERIES)}
        FROM counts GROUP BY month ORDER BY month""",  # noqa: S608
        [first, last, *params, guideline, first, last]).df().astype("int64")


def database_source(con: Connection) -> str | None:
    """Where the database's data came from (the demo cohort, an import, ...)."""
    row = con.execute("SELECT value FROM meta WHERE key = 'source'").fetchone()
    return None if row is None else row[0]


def age_bounds(con: Connection) -> tuple[int, int] | None:
    """Youngest and oldest age at thalidomide start in the database; None when it holds no ages."""
    row = con.execute("SELECT min(age_years), max(age_years) FROM patient_summary").fetchone()
    return None if row[0] is None else (int(row[0]), int(row[1]))


def treatments_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """Constant-dose treatment segments of the given patients."""
    return con.execute(
        """SELECT patient_id, drug, dose_mg, start_date, end_date, reason_stopped, dates_imputed FROM treatments
           WHERE patient_id = ANY(?::VARCHAR[]) ORDER BY patient_id, drug, start_date""",
        [list(patient_ids)]).df()


# whether the patient's labs measure the family of r.kind (patient_summary.labs_<family>)
_MEASURED = "CASE " + " ".join(
    f"WHEN r.kind IN ({', '.join(repr(k) for k, f in FAMILY.items() if f == family)}) THEN s.labs_{family}"
    for family in FAMILIES) + " ELSE FALSE END"
_SHOWN_RESPONSES = f"""
    FROM responses r JOIN patient_summary s ON s.patient_id = r.patient_id
    WHERE r.patient_id = ANY(?::VARCHAR[])
      AND ((r.source = 'derived' AND r.guideline = ? AND {_MEASURED})
           OR (r.source = 'recorded' AND NOT {_MEASURED}))"""


def events_for(con: Connection, patient_ids: Sequence[str], guideline: str = "ELN2020") -> pd.DataFrame:
    """Responses and adverse events of the given patients, as one event table.

    Responses are those derived from the labs under ``guideline`` in the families the patient's labs measure,
    recorded ones elsewhere; mutations found and karyotype abnormalities are events too (kind MUTATION, ACA_HR or
    ACA, named in term). Columns: patient_id, date, end_date, kind (response code, 'AE', ...), source, grade,
    grade_source ('CTCAE', or 'severity' when mapped from mild/moderate/severe), term (AE: MedDRA term, else
    verbatim), meddra_pt, drug, imputed (a partial source date was completed).
    """
    ids = list(patient_ids)
    return con.execute(
        f"""SELECT r.patient_id, r.date, NULL::DATE AS end_date, r.kind, r.source, NULL::INTEGER AS grade,
                   NULL::VARCHAR AS grade_source, NULL::VARCHAR AS term, NULL::VARCHAR AS meddra_pt,
                   NULL::VARCHAR AS drug, r.date_imputed AS imputed
            {_SHOWN_RESPONSES}
            UNION ALL
            SELECT patient_id, onset_date, end_date, 'AE', 'recorded', ctcae_grade, grade_source,
                   coalesce(meddra_pt, term), meddra_pt, attributed_drug, dates_imputed
            FROM adverse_events WHERE patient_id = ANY(?::VARCHAR[])
              AND onset_date IS NOT NULL  -- an event of unknown onset has no place on a time axis
            {_GENETIC_EVENTS}
            ORDER BY 1, 2, 4, 5, 8, 6, 3""",  # noqa: S608 (fixed SQL text; values are bound)
        [ids, guideline, ids, ids, ids]).df()


# mutations found (kind MUTATION) and karyotype abnormalities (ACA_HR: high-risk in Ph+ cells, ELN 2020; else ACA),
# named in term; tests that found none are not events
_HIGH_RISK = ", ".join(f"'{code}'" for code in HIGH_RISK_ACA)
_GENETIC_EVENTS = f"""
    UNION ALL
    SELECT patient_id, date, NULL::DATE, 'MUTATION', 'recorded', NULL::INTEGER, NULL::VARCHAR,
           mutation || ' (' || coalesce(method, 'method not given') || ')', NULL::VARCHAR, NULL::VARCHAR, FALSE
    FROM mutations WHERE patient_id = ANY(?::VARCHAR[]) AND mutation <> '{NONE}'
    UNION ALL
    SELECT patient_id, date, NULL::DATE, CASE WHEN ph_positive AND finding IN ({_HIGH_RISK}) THEN 'ACA_HR' ELSE 'ACA'
           END, 'recorded', NULL::INTEGER, NULL::VARCHAR,
           finding || CASE WHEN ph_positive THEN ' in Ph+ cells' ELSE ' in Ph- cells' END, NULL::VARCHAR,
           NULL::VARCHAR, FALSE
    FROM karyotypes WHERE patient_id = ANY(?::VARCHAR[]) AND finding <> 'none'"""  # noqa: S608 (fixed constants)


def comparable_responses(con: Connection, patient_ids: Sequence[str], guideline: str) -> pd.DataFrame:
    """Recorded responses and those derived under ``guideline``, in the families the patient's labs measure."""
    return con.execute(
        f"""SELECT r.patient_id, r.date, r.kind, r.source
            FROM responses r JOIN patient_summary s ON s.patient_id = r.patient_id
            WHERE r.patient_id = ANY(?::VARCHAR[]) AND (r.source = 'recorded' OR r.guideline = ?)
              AND {_MEASURED}
            ORDER BY 1, 2, 3, 4""",  # noqa: S608 (fixed SQL text; values are bound)
        [list(patient_ids), guideline]).df()


def adverse_events_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """Adverse events of the given patients (onset_date NULL: onset unknown, listed last; onset_precision 'year':
    the source gave only the year of onset)."""
    return con.execute(
        """SELECT patient_id, term, meddra_pt, ctcae_grade, ctcae_version, grade_source, onset_date, end_date,
                  serious, attributed_drug, dates_imputed, relatedness, onset_precision
           FROM adverse_events WHERE patient_id = ANY(?::VARCHAR[])
           ORDER BY patient_id, onset_date NULLS LAST, term, ctcae_grade, end_date""",
        [list(patient_ids)]).df()


def medications_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """Concomitant medications of the given patients (start_date NULL: start unknown, listed first)."""
    return con.execute(
        """SELECT patient_id, term, decoded, indication, start_date, end_date, dates_imputed
           FROM concomitant_medications WHERE patient_id = ANY(?::VARCHAR[])
           ORDER BY patient_id, start_date NULLS FIRST, term, end_date""",
        [list(patient_ids)]).df()


def arms(con: Connection) -> list[str]:
    """The treatment arms (as randomised) patients of the database belong to, in alphabetical order."""
    return [r[0] for r in con.execute(
        "SELECT DISTINCT arm FROM patients WHERE arm IS NOT NULL ORDER BY arm").fetchall()]


def labs_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """Visits (labs) of the given patients, in date order."""
    return con.execute(
        """SELECT * FROM labs WHERE patient_id = ANY(?::VARCHAR[]) ORDER BY patient_id, date""",
        [list(patient_ids)]).df()


def patient(con: Connection, patient_id: str, guideline: str = "ELN2020") -> pd.DataFrame:
    """One patient's record, derived summary and latest ELN classification (empty when the id is unknown)."""
    return con.execute(
        f"""SELECT {_LANE_COLUMNS}, p.mrn, p.display_name, p.birth_date, p.actual_arm, p.death_date,
                   p.spleen_cm, p.platelets AS platelets_dx,
                   p.blasts_pct AS blasts_dx, p.basophils_pct AS basophils_dx, p.eosinophils_pct AS eosinophils_dx
            {_FROM} {_LATEST_ELN} WHERE p.patient_id = ?""",  # noqa: S608 (fixed SQL text; values are bound)
        [guideline, patient_id]).df()


def time_to_event_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """Imported time-to-event endpoints (CDISC ADTTE) of the given patients: parameter, label, days, censored."""
    return con.execute(
        """SELECT t.patient_id, p.im_status, t.parameter, coalesce(t.label, t.parameter) AS label, t.days, t.censored
           FROM time_to_event t JOIN patients p ON p.patient_id = t.patient_id
           WHERE t.patient_id = ANY(?::VARCHAR[]) ORDER BY t.parameter, t.patient_id""",
        [list(patient_ids)]).df()


def patient_ids(con: Connection) -> set[str]:
    """Every patient ID in the database."""
    return {r[0] for r in con.execute("SELECT patient_id FROM patients").fetchall()}


def patient_choices(con: Connection) -> pd.DataFrame:
    """Every patient's id and display name, for the patient picker."""
    return con.execute("SELECT patient_id, display_name FROM patients ORDER BY patient_id").df()


def tki_line_start(con: Connection, patient_id: str) -> pd.Timestamp | None:
    """Start of the patient's current TKI line (first start of the TKI begun last), or None."""
    row = con.execute(
        """SELECT max(first_start) FROM (
               SELECT min(start_date) AS first_start FROM treatments
               WHERE patient_id = ? AND drug = ANY(?::VARCHAR[]) GROUP BY drug) AS lines""",
        [patient_id, list(TKIS)]).fetchone()
    return None if row[0] is None else pd.Timestamp(row[0])

