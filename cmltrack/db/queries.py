"""Parameterised read queries. Every user-controlled value travels as a bound parameter.

Functions take a DuckDB connection or cursor (one per session in the app), or a PostgreSQL reader, and return pandas
DataFrames. The SQL is written once in the dialect both engines run: ``x = ANY(?::VARCHAR[])`` for a list,
date subtraction for days, ``generate_series``, FILTER and CASE instead of DuckDB's list functions and PIVOT.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from cmltrack.clinical.dosing import TKIS
from cmltrack.clinical.genetics import HIGH_RISK_ACA, NONE
from cmltrack.clinical.monitoring import MILESTONE_WINDOW, MILESTONES
from cmltrack.clinical.responses import (
    FISH_MIN_NUCLEI,
    LOSS_KINDS,
    MIN_METAPHASES,
    MOLECULAR_DEPTHS,
    PROGRESSION_KINDS,
)
from cmltrack.clinical.units import MONTH_DAYS
from cmltrack.db.filters import CohortFilter
from cmltrack.db.registry import Connection

#: MONTH_DAYS as an SQL literal (a fixed number, written into the SQL text: the one home of the month).
_MONTH = repr(float(MONTH_DAYS))

_LANE_COLUMNS = f"""
    p.patient_id, p.sex, p.im_status, p.phase_at_diagnosis, p.diagnosis_date, p.arm, p.died,
    s.age_years, s.age_at_diagnosis, s.first_treatment_date, s.im_start_date, s.thal_start_date, s.last_visit_date,
    s.months_im_before_thal,
    s.followup_months, s.thal_months, s.on_thalidomide, s.sokal_score, s.sokal_group, s.hasford_score,
    s.hasford_group, s.eutos_score, s.eutos_group, s.elts_score, s.elts_group, s.phase_at_thal,
    s.evaluable, s.best_response, s.best_response_rank,
    a.category AS eln_latest, a.date AS eln_latest_date, a.months AS eln_latest_months,
    CAST(a.date - s.thal_start_date AS DOUBLE PRECISION) / {_MONTH} AS eln_latest_thal_month"""

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
    # Month m stands for the day anchor + round(m * MONTH_DAYS). Each interval (follow-up, a drug segment, "reached
    # by then") becomes the months [a, b] whose day falls inside it, clipped to the follow-up and the window; +1 at a
    # and -1 after b, summed and accumulated over the months, counts the patients inside it at every month without
    # ever listing patient x month rows (100,000 patients in well under a second).
    return con.execute(f"""
        WITH cohort AS (
            SELECT p.patient_id, {anchor} AS anchor,
                   greatest(CAST(ceil((coalesce(p.diagnosis_date, s.first_treatment_date, {anchor}) - {anchor}
                                       - 0.5) / {_MONTH}) AS INTEGER), ?::INTEGER) AS f0,
                   least(CAST(floor((s.last_visit_date - {anchor} + 0.5) / {_MONTH} - 1e-9) AS INTEGER),
                         ?::INTEGER) AS f1
            {_FROM} WHERE {where} AND {anchor} IS NOT NULL AND s.last_visit_date IS NOT NULL),
        spans AS (
            SELECT 'followed' AS what, f0 AS a, f1 AS b FROM cohort
            UNION ALL
            SELECT CASE t.drug WHEN 'imatinib' THEN 'on_imatinib' ELSE 'on_thalidomide' END,
                   greatest(CAST(ceil((t.start_date - c.anchor - 0.5) / {_MONTH}) AS INTEGER), c.f0),
                   least(CAST(floor((coalesce(t.end_date, DATE '9999-12-31') - c.anchor + 0.5) / {_MONTH} - 1e-9)
                              AS INTEGER), c.f1)
            FROM treatments t JOIN cohort c ON c.patient_id = t.patient_id
            WHERE t.drug IN ('imatinib', 'thalidomide')
            UNION ALL
            SELECT 'reached_' || x.depth,
                   greatest(CAST(ceil((x.date - c.anchor - 0.5) / {_MONTH}) AS INTEGER), c.f0), c.f1
            FROM (SELECT r.patient_id, d.depth, min(r.date) AS date
                  FROM responses r JOIN (VALUES {_DEPTHS}) d(depth, kind) ON d.kind = r.kind
                  WHERE {_SHOWN}
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


#: the responses shown under a guideline (the parameter): the recorded ones shown and those derived under it (which
#: are shown is stored when the registry is written: cmltrack.derive.summary.with_shown)
_SHOWN = "(r.shown AND r.guideline IN ('none', ?))"
_SHOWN_RESPONSES = f"""
    FROM responses r WHERE r.patient_id = ANY(?::VARCHAR[]) AND {_SHOWN}"""


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
        """SELECT r.patient_id, r.date, r.kind, r.source FROM responses r
            WHERE r.patient_id = ANY(?::VARCHAR[]) AND r.guideline IN ('none', ?) AND r.family_measured
            ORDER BY 1, 2, 3, 4""",
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
    """Start of the patient's current TKI line (stored by cmltrack.derive.lines: the first start of the TKI begun
    last), or None."""
    row = con.execute("SELECT max(start_date) FROM tki_lines WHERE patient_id = ?", [patient_id]).fetchone()
    return None if row[0] is None else pd.Timestamp(row[0])



# --- the clinic worklist (cmltrack.analysis.worklist assembles it with the rules of cmltrack.clinical) -------------

#: BCR::ABL1 result classes (Cross 2015 via responses.MOLECULAR_DEPTHS): evaluable (an undetectable result needs
#: 10,000 ABL1 copies), at least MR4, at least MR4.5.
_DEPTH_BOUND = {name: (bound, copies) for name, bound, copies in MOLECULAR_DEPTHS}
_EVALUABLE = f"NOT (l.bcr_abl1_is_pct = 0 AND coalesce(l.abl1_copies, 0) < {_DEPTH_BOUND['MMR'][1]})"


def _at_least(level: str) -> str:
    bound, copies = _DEPTH_BOUND[level]
    return (f"((l.bcr_abl1_is_pct > 0 AND l.bcr_abl1_is_pct <= {bound!r}) "
            f"OR (l.bcr_abl1_is_pct = 0 AND coalesce(l.abl1_copies, 0) >= {copies}))")


def _milestone_tests() -> str:
    """One boolean per ELN 2020 milestone: a classifying result (BCR::ABL1, an evaluable marrow or FISH) in its
    window on the current line, up to the as-of date."""
    before, after = MILESTONE_WINDOW
    months = f"CAST(l.date - ln.line_start AS DOUBLE PRECISION) / {MONTH_DAYS!r}"
    return ", ".join(f"bool_or({months} BETWEEN {m - before!r} AND {m + after!r}) AS tested_{m:g}"
                     for m in MILESTONES)


def data_end(con: Connection) -> pd.Timestamp | None:
    """The last date the database knows a patient was seen (the as-of date of a demo or synthetic cohort)."""
    row = con.execute("SELECT max(last_visit_date) FROM patient_summary").fetchone()
    return None if row[0] is None else pd.Timestamp(row[0])


def _followed(patient_ids: Sequence[str] | None, followed_from: dt.date | None) -> tuple[str, list]:
    """The worklist's cohort condition: the chosen patients, and those seen on or after ``followed_from``."""
    chosen = "TRUE" if patient_ids is None else "p.patient_id = ANY(?::VARCHAR[])"
    seen = "TRUE" if followed_from is None else "s.last_visit_date >= ?::DATE"
    return f"{chosen} AND {seen}", [*([] if patient_ids is None else [list(patient_ids)]),
                                    *([] if followed_from is None else [followed_from])]


def worklist_facts(con: Connection, f: CohortFilter, as_of: dt.date, since: dt.date, guideline: str = "ELN2020",
                   patient_ids: Sequence[str] | None = None, tfr_guideline: str = "ELN2020",
                   followed_from: dt.date | None = None) -> pd.DataFrame:
    """One row per living patient passing the filter (and in ``patient_ids`` when given; and with a visit on or
    after ``followed_from`` when given: under follow-up) with what the clinic worklist needs, as of ``as_of``
    (nothing dated later is read):

    the current TKI line (line_start: first start of the TKI begun last; on_tki, current_tki; tki_days of TKI taken;
    tki_count: TKIs ever taken; first_tki), the latest TFR course (tfr_start, tfr_recurrence, tfr_restart), the last
    BCR::ABL1 (last_pcr_date, last_pcr_pct, last_pcr_copies) and the first result of the unbroken run of MR4 (and
    MR4.5) or deeper up to it (mr4_since, mr45_since; results that cannot be evaluated neither extend nor break a
    run), whether each milestone of the line has a classifying result (tested_3, tested_6, tested_12), the latest
    ELN classification under ``guideline`` (eln_latest, eln_latest_date, eln_latest_months) and the last BCR::ABL1
    before ``since`` with its months on the line (before_pct, before_months), ELN failure ever under
    ``tfr_guideline`` (prior_failure; assessed: any assessment), progression ever (progressed), and the last blood
    count (count_date, wbc, neutrophils, platelets, hb).
    """
    where, params = _where(f)
    chosen, more = _followed(patient_ids, followed_from)
    params = [*params, *more]
    mr4, mr45 = _at_least("MR4"), _at_least("MR4.5")
    # the CTEs read more than once are MATERIALIZED (DuckDB and PostgreSQL): computed once, not inlined at each use
    return con.execute(f"""
        WITH clock AS (SELECT ?::DATE AS as_of, ?::DATE AS since),
        cohort AS MATERIALIZED (
            SELECT p.patient_id, p.phase_at_diagnosis, p.im_status {_FROM}
            WHERE {where} AND {chosen}
              AND NOT (coalesce(p.died, FALSE) AND coalesce(p.death_date <= (SELECT as_of FROM clock), TRUE))),
        tki AS MATERIALIZED (
            SELECT t.patient_id, t.drug, t.start_date, t.end_date FROM treatments t
            JOIN cohort c ON c.patient_id = t.patient_id
            WHERE t.drug = ANY(?::VARCHAR[]) AND t.start_date <= (SELECT as_of FROM clock)),
        lines AS MATERIALIZED (  -- the TKI lines begun by the as-of date (stored: cmltrack.derive.lines)
            SELECT l.patient_id, l.line, l.drug, l.start_date FROM tki_lines l
            JOIN cohort c ON c.patient_id = l.patient_id WHERE l.start_date <= (SELECT as_of FROM clock)),
        line AS MATERIALIZED (
            SELECT patient_id, max(start_date) AS line_start, count(*) AS tki_count FROM lines GROUP BY patient_id),
        first_tki AS (SELECT patient_id, drug AS first_tki FROM lines WHERE line = 1),
        current_tki AS (
            SELECT DISTINCT ON (patient_id) patient_id, drug AS current_tki FROM tki
            WHERE end_date IS NULL OR end_date >= (SELECT as_of FROM clock)
            ORDER BY patient_id, start_date DESC, drug),
        exposure AS (
            SELECT patient_id,
                   sum(least(coalesce(end_date, (SELECT as_of FROM clock)), (SELECT as_of FROM clock)) - start_date + 1)
                   AS tki_days
            FROM tki GROUP BY patient_id),
        tfr AS (
            SELECT DISTINCT ON (t.patient_id) t.patient_id, t.start_date AS tfr_start,
                   CASE WHEN t.recurrence_date <= (SELECT as_of FROM clock) THEN t.recurrence_date END
                   AS tfr_recurrence,
                   CASE WHEN t.restart_date <= (SELECT as_of FROM clock) THEN t.restart_date END AS tfr_restart
            FROM tfr_courses t JOIN cohort c ON c.patient_id = t.patient_id
            WHERE t.start_date <= (SELECT as_of FROM clock)
            ORDER BY t.patient_id, t.start_date DESC),
        pcr AS MATERIALIZED (
            SELECT l.patient_id, l.date, l.bcr_abl1_is_pct AS pct, l.abl1_copies AS copies, {_EVALUABLE} AS evaluable,
                   {mr4} AS mr4, {mr45} AS mr45
            FROM labs l JOIN cohort c ON c.patient_id = l.patient_id
            WHERE l.bcr_abl1_is_pct IS NOT NULL AND l.date <= (SELECT as_of FROM clock)),
        last_pcr AS (
            SELECT DISTINCT ON (patient_id) patient_id, date AS last_pcr_date, pct AS last_pcr_pct,
                   copies AS last_pcr_copies
            FROM pcr ORDER BY patient_id, date DESC),
        before_pcr AS (
            SELECT DISTINCT ON (patient_id) patient_id, date AS before_date, pct AS before_pct FROM pcr
            WHERE date < (SELECT since FROM clock) AND evaluable ORDER BY patient_id, date DESC),
        breaks AS (
            SELECT patient_id, max(date) FILTER (WHERE evaluable AND NOT mr4) AS not_mr4,
                   max(date) FILTER (WHERE evaluable AND NOT mr45) AS not_mr45
            FROM pcr GROUP BY patient_id),
        runs AS (
            SELECT x.patient_id,
                   min(x.date) FILTER (WHERE x.mr4 AND (b.not_mr4 IS NULL OR x.date > b.not_mr4)) AS mr4_since,
                   min(x.date) FILTER (WHERE x.mr45 AND (b.not_mr45 IS NULL OR x.date > b.not_mr45)) AS mr45_since
            FROM pcr x JOIN breaks b ON b.patient_id = x.patient_id GROUP BY x.patient_id),
        tested AS (
            SELECT l.patient_id, {_milestone_tests()}
            FROM labs l JOIN line ln ON ln.patient_id = l.patient_id
            WHERE l.date <= (SELECT as_of FROM clock) AND l.date >= ln.line_start
              AND (({_EVALUABLE} AND l.bcr_abl1_is_pct IS NOT NULL)
                   OR (l.ph_pos_pct IS NOT NULL AND l.metaphases >= {MIN_METAPHASES})
                   OR (l.fish_pct IS NOT NULL AND l.fish_nuclei >= {FISH_MIN_NUCLEI}))
            GROUP BY l.patient_id),
        eln AS (
            SELECT a.patient_id, a.category AS eln_latest, a.date AS eln_latest_date, a.months AS eln_latest_months
            FROM eln_assessments a JOIN cohort c ON c.patient_id = a.patient_id
            WHERE a.guideline = ? AND a.milestone = 'latest' AND a.date <= (SELECT as_of FROM clock)),
        failures AS (
            SELECT a.patient_id, bool_or(a.category = 'failure') AS prior_failure, count(*) > 0 AS assessed
            FROM eln_assessments a JOIN cohort c ON c.patient_id = a.patient_id
            WHERE a.guideline = ? AND a.date <= (SELECT as_of FROM clock) GROUP BY a.patient_id),
        progressed AS (
            SELECT DISTINCT r.patient_id FROM responses r JOIN cohort c ON c.patient_id = r.patient_id
            WHERE r.kind IN ('PROG_AP', 'PROG_BP') AND r.date <= (SELECT as_of FROM clock) AND {_SHOWN}),
        counts AS (
            SELECT DISTINCT ON (l.patient_id) l.patient_id, l.date AS count_date, l.wbc, l.neutrophils, l.platelets,
                   l.hb
            FROM labs l JOIN cohort c ON c.patient_id = l.patient_id
            WHERE l.date <= (SELECT as_of FROM clock)
              AND (l.wbc IS NOT NULL OR l.neutrophils IS NOT NULL OR l.platelets IS NOT NULL OR l.hb IS NOT NULL)
            ORDER BY l.patient_id, l.date DESC)
        SELECT c.patient_id, c.phase_at_diagnosis, c.im_status, ln.line_start, ct.current_tki IS NOT NULL AS on_tki,
               ct.current_tki, coalesce(e.tki_days, 0) AS tki_days, coalesce(ln.tki_count, 0) AS tki_count,
               ft.first_tki, tf.tfr_start, tf.tfr_recurrence, tf.tfr_restart, lp.last_pcr_date, lp.last_pcr_pct,
               lp.last_pcr_copies, ru.mr4_since, ru.mr45_since,
               {", ".join(f"coalesce(te.tested_{m:g}, FALSE) AS tested_{m:g}" for m in MILESTONES)},
               el.eln_latest, el.eln_latest_date, el.eln_latest_months, bp.before_pct,
               CAST(bp.before_date - ln.line_start AS DOUBLE PRECISION) / {MONTH_DAYS!r} AS before_months,
               coalesce(fa.prior_failure, FALSE) AS prior_failure, coalesce(fa.assessed, FALSE) AS assessed,
               pr.patient_id IS NOT NULL AS progressed, co.count_date, co.wbc, co.neutrophils, co.platelets, co.hb
        FROM cohort c
        LEFT JOIN line ln ON ln.patient_id = c.patient_id
        LEFT JOIN current_tki ct ON ct.patient_id = c.patient_id
        LEFT JOIN exposure e ON e.patient_id = c.patient_id
        LEFT JOIN first_tki ft ON ft.patient_id = c.patient_id
        LEFT JOIN tfr tf ON tf.patient_id = c.patient_id
        LEFT JOIN last_pcr lp ON lp.patient_id = c.patient_id
        LEFT JOIN before_pcr bp ON bp.patient_id = c.patient_id
        LEFT JOIN runs ru ON ru.patient_id = c.patient_id
        LEFT JOIN tested te ON te.patient_id = c.patient_id
        LEFT JOIN eln el ON el.patient_id = c.patient_id
        LEFT JOIN failures fa ON fa.patient_id = c.patient_id
        LEFT JOIN progressed pr ON pr.patient_id = c.patient_id
        LEFT JOIN counts co ON co.patient_id = c.patient_id
        ORDER BY c.patient_id""",  # noqa: S608 (fixed SQL text and constants; values are bound)
        [as_of, since, *params, list(TKIS), guideline, tfr_guideline, tfr_guideline]).df()


#: Response events that are news at a clinic: losses of response and progression.
NEWS_KINDS: tuple[str, ...] = (*LOSS_KINDS, *PROGRESSION_KINDS)


def worklist_news(con: Connection, f: CohortFilter, as_of: dt.date, since: dt.date, guideline: str = "ELN2020",
                  patient_ids: Sequence[str] | None = None, followed_from: dt.date | None = None) -> pd.DataFrame:
    """What changed from ``since`` to ``as_of`` for the patients passing the filter (as `worklist_facts` chooses
    them): ELN milestone classifications of
    warning, suboptimal or failure under ``guideline`` (kind 'ELN', detail 'milestone:category'), losses of response
    and progression shown under it (kind the response code), mutations found (MUTATION, detail the mutation) and
    additional chromosome abnormalities (ACA_HR in Ph+ cells and high-risk, else ACA; detail the finding).
    Columns: patient_id, date, kind, detail."""
    where, params = _where(f)
    chosen, more = _followed(patient_ids, followed_from)
    params = [*params, *more]
    return con.execute(f"""
        WITH clock AS (SELECT ?::DATE AS as_of, ?::DATE AS since),
        cohort AS (SELECT p.patient_id {_FROM} WHERE {where} AND {chosen})
        SELECT a.patient_id, a.date, 'ELN' AS kind, a.milestone || ':' || a.category AS detail
        FROM eln_assessments a JOIN cohort c ON c.patient_id = a.patient_id
        WHERE a.guideline = ? AND a.milestone <> 'latest' AND a.category IN ('warning', 'suboptimal', 'failure')
          AND a.date BETWEEN (SELECT since FROM clock) AND (SELECT as_of FROM clock)
        UNION ALL
        SELECT r.patient_id, r.date, r.kind, NULL FROM responses r JOIN cohort c ON c.patient_id = r.patient_id
        WHERE r.kind = ANY(?::VARCHAR[]) AND r.date BETWEEN (SELECT since FROM clock) AND (SELECT as_of FROM clock)
          AND {_SHOWN}
        UNION ALL
        SELECT m.patient_id, m.date, 'MUTATION', m.mutation
        FROM mutations m JOIN cohort c ON c.patient_id = m.patient_id
        WHERE m.mutation <> '{NONE}' AND m.date BETWEEN (SELECT since FROM clock) AND (SELECT as_of FROM clock)
        UNION ALL
        SELECT k.patient_id, k.date, CASE WHEN k.ph_positive AND k.finding IN ({_HIGH_RISK}) THEN 'ACA_HR' ELSE 'ACA'
               END, k.finding || CASE WHEN k.ph_positive THEN ' in Ph+ cells' ELSE ' in Ph- cells' END
        FROM karyotypes k JOIN cohort c ON c.patient_id = k.patient_id
        WHERE k.finding <> 'none' AND k.date BETWEEN (SELECT since FROM clock) AND (SELECT as_of FROM clock)
        ORDER BY 1, 2, 3, 4""",  # noqa: S608 (fixed SQL text and constants; values are bound)
        [as_of, since, *params, guideline, list(NEWS_KINDS), guideline]).df()


def not_followed(con: Connection, f: CohortFilter, as_of: dt.date, followed_from: dt.date) -> int:
    """How many living patients passing the filter, with a record by ``as_of``, were last seen before
    ``followed_from`` (the worklist leaves them out unless asked: not under follow-up)."""
    where, params = _where(f)
    row = con.execute(f"""
        SELECT count(*) {_FROM} WHERE {where} AND s.last_visit_date < ?::DATE
          AND NOT (coalesce(p.died, FALSE) AND coalesce(p.death_date <= ?::DATE, TRUE))""",  # noqa: S608
                      [*params, followed_from, as_of]).fetchone()
    return int(row[0])


def tfr_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """Treatment-free remission courses of the given patients (cmltrack.derive.tfr), with each patient's last
    visit (the end of follow-up)."""
    return con.execute(
        """SELECT t.patient_id, t.drug, t.start_date, t.recurrence_date, t.recurrence_pct, t.restart_date,
                  t.restart_drug, s.last_visit_date
           FROM tfr_courses t JOIN patient_summary s ON s.patient_id = t.patient_id
           WHERE t.patient_id = ANY(?::VARCHAR[]) ORDER BY t.patient_id, t.start_date""",
        [list(patient_ids)]).df()


def genetics_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """Every mutation and karyotype test of the given patients, negative ones included: test ('mutation' or
    'karyotype'), date, finding ('NONE' / 'none' when the test found nothing), ph_positive (karyotypes)."""
    return con.execute(
        """SELECT patient_id, 'mutation' AS test, date, mutation AS finding, NULL::BOOLEAN AS ph_positive
           FROM mutations WHERE patient_id = ANY(?::VARCHAR[])
           UNION ALL
           SELECT patient_id, 'karyotype', date, finding, ph_positive
           FROM karyotypes WHERE patient_id = ANY(?::VARCHAR[])
           ORDER BY 1, 3, 2, 4""",
        [list(patient_ids), list(patient_ids)]).df()
