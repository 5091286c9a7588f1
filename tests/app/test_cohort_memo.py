"""The Cohort page orders the lanes and builds the swimmer once per view of a session (each about a third and half a
second at 100,000 patients): reruns, a filter turned back and a return from another page reuse them; a new view,
and presentation mode, compute afresh (a pseudonymised swimmer is never a remembered one of real IDs)."""

from __future__ import annotations

import collections
import json

import pytest
from streamlit.testing.v1 import AppTest

from cmltrack.figures import swimmer
from cmltrack.ui import cohort_page
from tests.app.opening import open_page


@pytest.fixture()
def built(monkeypatch) -> collections.Counter:
    """Counts of order_lanes and build_swimmer runs (where the page and cmltrack.ui.cohort_page look them up)."""
    counts: collections.Counter = collections.Counter()
    for module, name in ((swimmer, "order_lanes"), (cohort_page, "build_swimmer")):
        func = getattr(module, name)

        def run(*args, _name=name, _func=func, **kwargs):
            counts[_name] += 1
            return _func(*args, **kwargs)

        monkeypatch.setattr(module, name, run)
    return counts


def _lanes(at: AppTest) -> list[str]:
    return json.loads(at.get("plotly_chart")[-1].proto.spec)["layout"]["yaxis"]["ticktext"]


def test_a_view_seen_before_is_not_computed_again(monkeypatch, demo_db, built):
    at = open_page(monkeypatch, demo_db, "pages/cohort.py")
    first = _lanes(at)
    at.run().run()  # reruns, as after a click elsewhere on the page
    at.switch_page("pages/patients.py").run()
    at.switch_page("pages/cohort.py").run()  # and back
    assert built == {"order_lanes": 1, "build_swimmer": 1} and _lanes(at) == first
    at.button_group(key="status").set_value(["intolerant"]).run()  # a new view
    assert built == {"order_lanes": 2, "build_swimmer": 2} and len(_lanes(at)) < len(first)
    at.button_group(key="status").set_value([]).run()  # turned back: the view seen before
    assert built == {"order_lanes": 2, "build_swimmer": 2} and _lanes(at) == first
    at.selectbox(key="sort").set_value("patient_id").run()  # another order: the lanes are ordered and drawn again
    assert built == {"order_lanes": 3, "build_swimmer": 3} and sorted(_lanes(at)) == sorted(first) != _lanes(at)
    assert not at.exception, at.exception


def test_presentation_mode_draws_its_own_swimmer(monkeypatch, demo_db, built):
    at = open_page(monkeypatch, demo_db, "pages/cohort.py")
    real = _lanes(at)
    at.query_params["mode"] = "board"
    at.run()
    pseudonyms = _lanes(at)
    assert built["build_swimmer"] == 2 and not set(real) & set(pseudonyms)
    assert all(label.startswith("P-") for label in pseudonyms), pseudonyms
