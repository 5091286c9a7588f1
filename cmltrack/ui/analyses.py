"""The pages' heavy analyses and figures, cached: computed once per database version, filter and option, so a rerun
(a click elsewhere on the page, a return to the page) at 100,000 patients costs milliseconds, not the seconds of the
analysis (cmltrack.analysis) and of the figure (cmltrack.figures). Keyed like cmltrack.ui.data: the database version
``db`` (session.database_key()) and the arguments; the connection ``_con`` is not hashed. Module-level functions,
one per analysis, so that each has a cache of its own.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from cmltrack.analysis import outcomes, safety
from cmltrack.analysis.concordance import disagreements as _disagreements
from cmltrack.db.connection import Connection
from cmltrack.db.filters import CohortFilter
from cmltrack.figures.outcomes import km_figure
from cmltrack.figures.palette import drug_label
from cmltrack.figures.safety import grade_bars, onset_strip
from cmltrack.ui import data as q
from cmltrack.ui import session
from cmltrack.ui.data import DbKey

#: Entries kept per analysis (a few filters and guidelines of the current database version).
ENTRIES = 8
_cached = st.cache_data(max_entries=ENTRIES, show_spinner=False)


@_cached
def _abstract_table(_con: Connection, db: DbKey, guideline: str) -> pd.DataFrame | None:
    everyone = q.cohort_lanes(_con, CohortFilter(), guideline)
    if not everyone["thal_start_date"].notna().any():
        return None
    ids = everyone["patient_id"].tolist()
    return outcomes.abstract_table(outcomes.abstract_figures(everyone, q.treatments_for(_con, ids),
                                                             q.adverse_events_for(_con, ids)))


def abstract_table(con: Connection, guideline: str) -> pd.DataFrame | None:
    """The source abstract's figures recomputed on every patient of the database (None without thalidomide)."""
    return _abstract_table(con, session.database_key(), guideline)


@_cached
def _outcome_figures(_con: Connection, db: DbKey, f: CohortFilter, guideline: str,
                     scale: float) -> list[tuple[str, go.Figure]]:
    lanes = q.cohort_lanes(_con, f, guideline)
    ids = lanes["patient_id"].tolist()
    shown = q.events_for(_con, ids, guideline)
    curves = outcomes.time_to_event(lanes, shown[shown["kind"] != "AE"], q.treatments_for(_con, ids),
                                    q.labs_for(_con, ids))
    figures = []
    for title, frame in curves.items():
        groups = {"Resistant": frame[frame["status"] == "resistant"],
                  "Intolerant": frame[frame["status"] == "intolerant"]}
        groups = {name: g for name, g in groups.items() if len(g)} or {"All": frame}
        figures.append((title, km_figure(groups, title, competing=title.startswith("Time to"), scale=scale)))
    return figures


def outcome_figures(con: Connection, f: CohortFilter, guideline: str, scale: float) -> list[tuple[str, go.Figure]]:
    """(title, figure) of time to CCyR and time on thalidomide of the patients passing ``f``, by imatinib status."""
    return _outcome_figures(con, session.database_key(), f, guideline, scale)


@_cached
def _endpoints(_con: Connection, db: DbKey, f: CohortFilter, guideline: str) -> pd.DataFrame:
    return q.time_to_event_for(_con, q.cohort_lanes(_con, f, guideline)["patient_id"].tolist())


def endpoints(con: Connection, f: CohortFilter, guideline: str) -> pd.DataFrame:
    """An imported trial's time-to-event rows (ADTTE) of the patients passing ``f``; keyed on the filter, not on
    the patient IDs (hashing 100,000 of them would take seconds at every run)."""
    return _endpoints(con, session.database_key(), f, guideline)


@_cached
def _tfr_courses(_con: Connection, db: DbKey, f: CohortFilter, guideline: str) -> pd.DataFrame:
    return q.tfr_for(_con, q.cohort_lanes(_con, f, guideline)["patient_id"].tolist())


def tfr_courses(con: Connection, f: CohortFilter, guideline: str) -> pd.DataFrame:
    """The treatment-free remission courses of the patients passing ``f``; keyed on the filter, as `endpoints`."""
    return _tfr_courses(con, session.database_key(), f, guideline)


@_cached
def _disagreements_of(_con: Connection, db: DbKey, f: CohortFilter, guideline: str) -> pd.DataFrame:
    ids = q.cohort_lanes(_con, f, guideline)["patient_id"].tolist()
    return _disagreements(q.comparable_responses(_con, ids, guideline))


def disagreements(con: Connection, f: CohortFilter, guideline: str) -> pd.DataFrame:
    """Recorded vs derived responses of the patients passing ``f`` (cmltrack.analysis.concordance)."""
    return _disagreements_of(con, session.database_key(), f, guideline)


@_cached
def _safety_view(_con: Connection, db: DbKey, f: CohortFilter, guideline: str, period: str,
                 scale: float) -> dict[str, object]:
    lanes = q.cohort_lanes(_con, f, guideline)
    ids = lanes["patient_id"].tolist()
    by_patient = lanes.set_index("patient_id")
    treatments, aes = q.treatments_for(_con, ids), q.adverse_events_for(_con, ids)
    exposure = treatments
    if period == "emergent":
        windows = safety.thalidomide_windows(lanes, treatments)
        aes = safety.in_windows(aes, windows)
        exposure = safety.clip_to_windows(treatments, windows, by_patient["last_visit_date"])
    view: dict[str, object] = {
        "events": len(aes), "patients": aes["patient_id"].nunique(), "unknown": safety.onset_unknown(aes),
        "versions": sorted(aes["ctcae_version"].dropna().unique()),
        "by_severity": int((aes["grade_source"] == "severity").sum())}
    if aes.empty:
        return view
    onsets = safety.onset_months(aes, by_patient["thal_start_date"])
    rates = safety.exposure_adjusted(aes, exposure, by_patient["last_visit_date"])
    rates["drug"] = rates["drug"].map(drug_label)  # Thalidomide, as in every chart
    view.update(
        worst=grade_bars(safety.worst_grade_by_term(aes).drop(columns="patients"),
                         "Patients by the worst grade of each adverse event", "Patients", scale),
        attribution=grade_bars(safety.by_attribution(aes), "Events by attributed drug", "Events", scale, drugs=True),
        rates=rates,
        onset=onset_strip(onsets, scale) if len(onsets) else None,
        by_arm=safety.by_arm(aes, lanes) if lanes["arm"].notna().any() else None)
    return view


def safety_view(con: Connection, f: CohortFilter, guideline: str, period: str, scale: float) -> dict[str, object]:
    """The Safety page's events of the patients passing ``f`` in ``period`` ('emergent' or 'all') and what it
    draws of them: counts (``events``, ``patients`` with one, ``by_severity``: graded from a severity), ``versions``
    (CTCAE), ``unknown`` (the events of unknown onset), and unless there are no events: ``worst`` and
    ``attribution`` (figures), ``rates`` (exposure-adjusted), ``onset`` (figure, or None without a dated onset),
    ``by_arm`` (None outside a trial)."""
    return _safety_view(con, session.database_key(), f, guideline, period, scale)
