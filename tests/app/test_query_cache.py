"""The query cache caches: over reruns and page switches, each query runs its SQL once per distinct question, and a
new database version is asked afresh."""

from __future__ import annotations

import collections
import functools
import importlib
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cmltrack.db import queries
from cmltrack.db.filters import CohortFilter
from cmltrack.ui import data

ROOT = Path(__file__).resolve().parents[2]
#: Every query the pages reach through cmltrack.ui.data.
QUERIES = [name for name in dir(data) if not name.startswith("_") and callable(getattr(data, name))
           and hasattr(queries, name) and getattr(queries, name).__module__ == queries.__name__]


@pytest.fixture()
def sql_runs(monkeypatch):
    """Counts of each query's runs against the database, by (query, arguments after the connection)."""
    runs: collections.Counter = collections.Counter()

    def counting(name, func):
        @functools.wraps(func)
        def run(con, *args, **kwargs):
            runs[(name, repr(args), repr(sorted(kwargs.items())))] += 1
            return func(con, *args, **kwargs)
        return run

    for name in QUERIES:
        monkeypatch.setattr(queries, name, counting(name, getattr(queries, name)))
    importlib.reload(data)  # however it holds the queries (by reference at import, or looked up per call)
    st.cache_data.clear()  # results cached by earlier tests in this process would hide every run
    yield runs
    monkeypatch.undo()
    importlib.reload(data)
    st.cache_data.clear()


def test_the_pages_reach_every_query_through_the_cache():
    assert {"cohort_lanes", "count_patients", "treatments_for", "events_for", "age_bounds", "database_source",
            "patient", "labs_for", "patient_choices", "tki_line_start"} <= set(QUERIES)


def test_reruns_and_page_switches_run_each_query_once(monkeypatch, demo_db, sql_runs):
    monkeypatch.setenv("CMLTRACK_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.run().run()  # three runs of the Cohort page
    at.switch_page("pages/patients.py").run()
    at.switch_page("pages/cohort.py").run()
    at.switch_page("pages/patient.py").run()
    at.run()
    assert not at.exception, at.exception
    asked = {name for name, *_ in sql_runs}
    assert {"cohort_lanes", "count_patients", "treatments_for", "events_for", "age_bounds", "database_source",
            "patient", "labs_for", "tki_line_start"} <= asked
    repeated = {key: n for key, n in sql_runs.items() if n > 1}
    assert not repeated, f"the same question ran its SQL more than once: {repeated}"


def test_a_new_database_version_is_asked_again(monkeypatch, tmp_path, frames, sql_runs):
    from cmltrack.cohorts.demo import DEMO_SOURCE
    from cmltrack.registry import write_database

    db = write_database(tmp_path / "registry.duckdb", frames, source=DEMO_SOURCE)
    monkeypatch.setenv("CMLTRACK_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    before = sql_runs[("count_patients", repr((CohortFilter(),)), "[]")]
    write_database(db, frames, source="a new import")  # a new file version, renamed over the old one
    at.run()
    assert not at.exception, at.exception
    assert before == 1
    assert sql_runs[("count_patients", repr((CohortFilter(),)), "[]")] == 2
    assert not any("fictitious" in w.value for w in at.sidebar.warning)  # the new file's source, not the cached one
