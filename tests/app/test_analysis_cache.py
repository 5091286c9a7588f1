"""The heavy analyses of the Outcomes, Safety and Patients pages run once per database version, filter and option:
reruns and returns to a page reuse them (at 100,000 patients each takes seconds); a new filter is computed afresh.
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cmltrack.analysis import outcomes, safety
from cmltrack.ui import analyses

ROOT = Path(__file__).resolve().parents[2]
#: The analysis a page's heavy work starts with (the module it is looked up in, its name there).
HEAVY = {"pages/outcomes.py": (outcomes, "time_to_event"), "pages/safety.py": (safety, "exposure_adjusted"),
         "pages/patients.py": (analyses, "_disagreements")}


@pytest.fixture()
def runs(monkeypatch, demo_db):
    """Counts of each heavy analysis's runs, on the demo database, with empty caches."""
    counts: collections.Counter = collections.Counter()

    def counting(name, func):
        def run(*args, **kwargs):
            counts[name] += 1
            return func(*args, **kwargs)
        return run

    for module, name in HEAVY.values():
        monkeypatch.setattr(module, name, counting(name, getattr(module, name)))
    monkeypatch.setenv("CMLTRACK_DB", str(demo_db))
    st.cache_data.clear()
    yield counts
    st.cache_data.clear()


@pytest.mark.parametrize("page", list(HEAVY))
def test_reruns_and_returns_compute_once_and_a_new_filter_again(runs, page):
    name = HEAVY[page][1]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page(page).run()
    at.run().run()  # reruns, as after a click on the page
    at.switch_page("pages/cohort.py").run()
    at.switch_page(page).run()  # back to the page
    assert not at.exception, at.exception
    assert runs[name] == 1, f"{name} ran {runs[name]} times for one question"
    at.button_group(key="status").set_value(["intolerant"]).run()  # a new filter: a new question
    at.run()
    assert not at.exception, at.exception
    assert runs[name] == 2, f"{name} ran {runs[name]} times for two questions"
