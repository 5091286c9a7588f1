"""Widget values no real browser sends (a forged message): a clear message, no traceback, and the session goes on
working. (Values of the wrong kind, over the websocket: tests/browser/test_reliability.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def _count(at: AppTest) -> str:
    return next(m.value for m in at.sidebar.markdown if m.value.startswith("**Showing"))


@pytest.fixture()
def at(monkeypatch, tmp_path_factory, frames) -> AppTest:
    from cmltrack.registry import write_database

    db = tmp_path_factory.getbasetemp() / "forged.duckdb"
    if not db.exists():
        write_database(db, frames, source="test")
    monkeypatch.setenv("CMLTRACK_DB", str(db))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()


def test_a_forged_upside_down_age_range_is_reset_with_a_message(at):
    bounds = at.slider(key="age").value
    at.slider(key="age").set_value((bounds[1], bounds[0])).run()  # (63, 22): no slider can send it
    assert not at.exception, at.exception[0].message
    assert any("was not valid and was reset: Age at thalidomide start" in w.value for w in at.sidebar.warning)
    assert at.slider(key="age").value == bounds
    assert _count(at) == "**Showing 21 of 21 patients**" and at.get("plotly_chart")
    at.switch_page("pages/patients.py").run()  # the session is not broken
    assert not at.exception and not at.sidebar.warning and at.dataframe[0].value.shape[0] == 21


@pytest.mark.parametrize("forged", [(-5, 30), (30, 500), (float("nan"), 50), (30.5, 40)],
                         ids=["below", "above", "nan", "fraction"])
def test_any_other_forged_age_range_ends_as_whole_years_within_the_bounds(at, forged):
    low, high = at.slider(key="age").value
    at.slider(key="age").set_value(forged).run()
    assert not at.exception, at.exception[0].message
    shown = at.slider(key="age").value
    assert all(isinstance(v, int) for v in shown) and low <= shown[0] <= shown[1] <= high
    assert at.get("plotly_chart") and _count(at).startswith("**Showing")


def test_an_unexpected_error_of_a_page_shows_a_reference_not_a_traceback(at, monkeypatch, caplog):
    secret = "/srv/cmltrack/secret/path.py: CML-03"  # what an error's message may hold: a path, a patient

    def broken(*args, **kwargs):
        raise RuntimeError(secret)

    monkeypatch.setattr("cmltrack.ui.cohort_page.build_swimmer", broken)
    at.button_group(key="status").set_value(["intolerant"]).run()  # a new view: its swimmer is built, and fails
    assert not at.exception
    message = at.error[0].value
    assert "could not be shown" in message and "reference" in message
    assert "secret" not in message and "RuntimeError" not in message and "CML-03" not in message
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "cmltrack")
    assert "page failed" in logged and "RuntimeError" in logged and "CML-03" not in logged  # logs name no patient


def test_a_link_with_an_upside_down_age_range_shows_every_patient_and_says_so(monkeypatch, frames,
                                                                            tmp_path_factory):
    from cmltrack.registry import write_database

    db = write_database(tmp_path_factory.mktemp("link") / "registry.duckdb", frames, source="test")
    monkeypatch.setenv("CMLTRACK_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["age"] = ["63", "22"]  # ?age=63&age=22: the slider's own URL form, bounds swapped
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("was not valid and was reset: Age at thalidomide start" in w.value for w in at.sidebar.warning)
    assert _count(at) == "**Showing 21 of 21 patients**" and at.get("plotly_chart")
    at.run()  # the slider (and with it the link) is reset
    at.run()
    assert at.slider(key="age").value == (22, 63) and not at.error and not at.sidebar.warning
    assert _count(at) == "**Showing 21 of 21 patients**"
