"""The query layer as the pages use it: cmltrack.db.queries behind st.cache_data, keyed on the database file's
version and the arguments (filters, guideline, patient IDs), with a bounded number of entries per query.

A rerun that asks the same question twice (the sidebar's count and the page's lanes, Outcomes and the cohort) runs
the SQL once; a new file version (an import) is a new key, so nothing stale is ever served.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from cmltrack.db import queries as q
from cmltrack.ui import session

#: Entries kept per query: whole-cohort results (up to 100,000 lanes, ~30 MB each) are few; per-page ones more.
COHORT_ENTRIES, PAGE_ENTRIES = 8, 64


def _cached(func: Callable[..., Any], entries: int) -> Callable[..., Any]:
    @st.cache_data(max_entries=entries, show_spinner=False)
    def run(db_key: tuple[str, int], name: str, *args: Any) -> Any:  # noqa: ARG001 (the key is the cache's)
        return func(session.cursor(), *args)

    def call(con: object, *args: Any) -> Any:  # noqa: ARG001 (the pinned cursor is used; same signature as queries)
        return run(session.database_key(), func.__name__, *args)

    call.__name__, call.__doc__ = func.__name__, func.__doc__
    return call


cohort_lanes = _cached(q.cohort_lanes, COHORT_ENTRIES)
count_patients = _cached(q.count_patients, PAGE_ENTRIES)
cohort_overview = _cached(q.cohort_overview, PAGE_ENTRIES)
age_bounds = _cached(q.age_bounds, PAGE_ENTRIES)
database_source = _cached(q.database_source, PAGE_ENTRIES)
treatments_for = _cached(q.treatments_for, PAGE_ENTRIES)
events_for = _cached(q.events_for, PAGE_ENTRIES)
adverse_events_for = _cached(q.adverse_events_for, PAGE_ENTRIES)
labs_for = _cached(q.labs_for, PAGE_ENTRIES)
time_to_event_for = _cached(q.time_to_event_for, PAGE_ENTRIES)
comparable_responses = _cached(q.comparable_responses, PAGE_ENTRIES)
patient_choices = _cached(q.patient_choices, PAGE_ENTRIES)
patient = q.patient  # one row, per patient view (audited): not worth a cache entry
tki_line_start = q.tki_line_start
patient_ids = q.patient_ids
