"""The query layer as the pages use it: each query of cmltrack.db.queries behind an `st.cache_data` function of its
own, keyed on the database version this session reads (file and modification time, or a PostgreSQL registry's
generation) and the arguments (filters, guideline, patient IDs), with a bounded number of entries per query.

Each cached function is defined at module level, because Streamlit keys a cache by the function's qualified name and
source: functions made by one factory would share one cache (and evict each other). The connection is passed as
``_con`` (not hashed); the version key ``db`` decides what may be reused, so a rerun or another page asking the same
question runs no SQL, and a new version (an import) is a new key, never answered from the old one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from cmltrack.analysis import worklist as wl
from cmltrack.db import queries
from cmltrack.db.connection import Connection
from cmltrack.db.filters import CohortFilter
from cmltrack.ui import session

#: Entries kept per query: whole-cohort results (up to 100,000 lanes, ~30 MB each) are few; per-page ones more.
COHORT_ENTRIES, PAGE_ENTRIES = 8, 64
#: The database version a cached result belongs to (session.database_key()).
DbKey = tuple[str, int | str]

_cohort = st.cache_data(max_entries=COHORT_ENTRIES, show_spinner=False)
_page = st.cache_data(max_entries=PAGE_ENTRIES, show_spinner=False)


@_cohort
def _cohort_lanes(_con: Connection, db: DbKey, f: CohortFilter, guideline: str) -> pd.DataFrame:
    return queries.cohort_lanes(_con, f, guideline)


def cohort_lanes(con: Connection, f: CohortFilter, guideline: str = "ELN2020") -> pd.DataFrame:
    """`queries.cohort_lanes`, cached."""
    return _cohort_lanes(con, session.database_key(), f, guideline)


@_page
def _count_patients(_con: Connection, db: DbKey, f: CohortFilter) -> tuple[int, int]:
    return queries.count_patients(_con, f)


def count_patients(con: Connection, f: CohortFilter) -> tuple[int, int]:
    """`queries.count_patients`, cached."""
    return _count_patients(con, session.database_key(), f)


@_page
def _cohort_overview(_con: Connection, db: DbKey, f: CohortFilter, anchor_column: str,
                     guideline: str) -> pd.DataFrame:
    return queries.cohort_overview(_con, f, anchor_column, guideline)


def cohort_overview(con: Connection, f: CohortFilter, anchor_column: str, guideline: str = "ELN2020") -> pd.DataFrame:
    """`queries.cohort_overview`, cached."""
    return _cohort_overview(con, session.database_key(), f, anchor_column, guideline)


@_page
def _age_bounds(_con: Connection, db: DbKey) -> tuple[int, int] | None:
    return queries.age_bounds(_con)


def age_bounds(con: Connection) -> tuple[int, int] | None:
    """`queries.age_bounds`, cached."""
    return _age_bounds(con, session.database_key())


@_page
def _database_source(_con: Connection, db: DbKey) -> str | None:
    return queries.database_source(_con)


def database_source(con: Connection) -> str | None:
    """`queries.database_source`, cached."""
    return _database_source(con, session.database_key())


@_page
def _treatments_for(_con: Connection, db: DbKey, patient_ids: tuple[str, ...]) -> pd.DataFrame:
    return queries.treatments_for(_con, patient_ids)


def treatments_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """`queries.treatments_for`, cached."""
    return _treatments_for(con, session.database_key(), tuple(patient_ids))


@_page
def _events_for(_con: Connection, db: DbKey, patient_ids: tuple[str, ...], guideline: str) -> pd.DataFrame:
    return queries.events_for(_con, patient_ids, guideline)


def events_for(con: Connection, patient_ids: Sequence[str], guideline: str = "ELN2020") -> pd.DataFrame:
    """`queries.events_for`, cached."""
    return _events_for(con, session.database_key(), tuple(patient_ids), guideline)


@_page
def _adverse_events_for(_con: Connection, db: DbKey, patient_ids: tuple[str, ...]) -> pd.DataFrame:
    return queries.adverse_events_for(_con, patient_ids)


def adverse_events_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """`queries.adverse_events_for`, cached."""
    return _adverse_events_for(con, session.database_key(), tuple(patient_ids))


@_page
def _labs_for(_con: Connection, db: DbKey, patient_ids: tuple[str, ...]) -> pd.DataFrame:
    return queries.labs_for(_con, patient_ids)


def labs_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """`queries.labs_for`, cached."""
    return _labs_for(con, session.database_key(), tuple(patient_ids))


@_page
def _time_to_event_for(_con: Connection, db: DbKey, patient_ids: tuple[str, ...]) -> pd.DataFrame:
    return queries.time_to_event_for(_con, patient_ids)


def time_to_event_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """`queries.time_to_event_for`, cached."""
    return _time_to_event_for(con, session.database_key(), tuple(patient_ids))


@_page
def _comparable_responses(_con: Connection, db: DbKey, patient_ids: tuple[str, ...], guideline: str) -> pd.DataFrame:
    return queries.comparable_responses(_con, patient_ids, guideline)


def comparable_responses(con: Connection, patient_ids: Sequence[str], guideline: str) -> pd.DataFrame:
    """`queries.comparable_responses`, cached."""
    return _comparable_responses(con, session.database_key(), tuple(patient_ids), guideline)


@_page
def _patient_choices(_con: Connection, db: DbKey) -> pd.DataFrame:
    return queries.patient_choices(_con)


def patient_choices(con: Connection) -> pd.DataFrame:
    """`queries.patient_choices`, cached."""
    return _patient_choices(con, session.database_key())


@_page
def _patient(_con: Connection, db: DbKey, patient_id: str, guideline: str) -> pd.DataFrame:
    return queries.patient(_con, patient_id, guideline)


def patient(con: Connection, patient_id: str, guideline: str = "ELN2020") -> pd.DataFrame:
    """`queries.patient`, cached."""
    return _patient(con, session.database_key(), patient_id, guideline)


@_page
def _tki_line_start(_con: Connection, db: DbKey, patient_id: str) -> pd.Timestamp | None:
    return queries.tki_line_start(_con, patient_id)


def tki_line_start(con: Connection, patient_id: str) -> pd.Timestamp | None:
    """`queries.tki_line_start`, cached."""
    return _tki_line_start(con, session.database_key(), patient_id)


@_page
def _patient_ids(_con: Connection, db: DbKey) -> set[str]:
    return queries.patient_ids(_con)


def patient_ids(con: Connection) -> set[str]:
    """`queries.patient_ids`, cached."""
    return _patient_ids(con, session.database_key())


@_page
def _medications_for(_con: Connection, db: DbKey, patient_ids: tuple[str, ...]) -> pd.DataFrame:
    return queries.medications_for(_con, patient_ids)


def medications_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """`queries.medications_for`, cached."""
    return _medications_for(con, session.database_key(), tuple(patient_ids))


@_page
def _arms(_con: Connection, db: DbKey) -> list[str]:
    return queries.arms(_con)


def arms(con: Connection) -> list[str]:
    """`queries.arms`, cached."""
    return _arms(con, session.database_key())


@_page
def _data_end(_con: Connection, db: DbKey) -> pd.Timestamp | None:
    return queries.data_end(_con)


def data_end(con: Connection) -> pd.Timestamp | None:
    """`queries.data_end`, cached."""
    return _data_end(con, session.database_key())


@_cohort
def _worklist(_con: Connection, db: DbKey, f: CohortFilter, as_of: dt.date, since: dt.date, guideline: str,
              patient_ids: tuple[str, ...] | None, followed_from: dt.date | None) -> pd.DataFrame:
    facts = queries.worklist_facts(_con, f, as_of, since, guideline, patient_ids, followed_from=followed_from)
    news = queries.worklist_news(_con, f, as_of, since, guideline, patient_ids, followed_from=followed_from)
    return wl.build(facts, news, as_of, since, guideline)


def worklist(con: Connection, f: CohortFilter, as_of: dt.date, since: dt.date, guideline: str = "ELN2020",
             patient_ids: Sequence[str] | None = None, followed_from: dt.date | None = None) -> pd.DataFrame:
    """The clinic worklist (`queries.worklist_facts` and `worklist_news` assembled by `analysis.worklist.build`),
    cached."""
    return _worklist(con, session.database_key(), f, as_of, since, guideline,
                     None if patient_ids is None else tuple(patient_ids), followed_from)


@_cohort
def _not_followed(_con: Connection, db: DbKey, f: CohortFilter, as_of: dt.date, followed_from: dt.date) -> int:
    return queries.not_followed(_con, f, as_of, followed_from)


def not_followed(con: Connection, f: CohortFilter, as_of: dt.date, followed_from: dt.date) -> int:
    """`queries.not_followed`, cached."""
    return _not_followed(con, session.database_key(), f, as_of, followed_from)


@_page
def _tfr_for(_con: Connection, db: DbKey, patient_ids: tuple[str, ...]) -> pd.DataFrame:
    return queries.tfr_for(_con, patient_ids)


def tfr_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """`queries.tfr_for`, cached."""
    return _tfr_for(con, session.database_key(), tuple(patient_ids))


@_page
def _genetics_for(_con: Connection, db: DbKey, patient_ids: tuple[str, ...]) -> pd.DataFrame:
    return queries.genetics_for(_con, patient_ids)


def genetics_for(con: Connection, patient_ids: Sequence[str]) -> pd.DataFrame:
    """`queries.genetics_for`, cached."""
    return _genetics_for(con, session.database_key(), tuple(patient_ids))
