"""AppTest: the Import page on empty, demo and large databases, its login rule, and every page on an imported
CDISC trial (no thalidomide, no labs, severity-only adverse events, RECIST responses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_reliability import AUTH, _run

ALL_PAGES = ("pages/cohort.py", "pages/patient.py", "pages/patients.py", "pages/outcomes.py", "pages/safety.py",
             "pages/import.py")


def _app(monkeypatch, db: Path, page: str, secrets: dict | None = None, user: dict | None = None) -> AppTest:
    return _run(monkeypatch, db, page, secrets=secrets, user=user)


@pytest.mark.parametrize("db, n", [("empty_db", 0), ("demo_db", 21), ("large_db", 1008)])
@pytest.mark.usefixtures("backend")  # the fixture named by db is asked for inside, on each backend
def test_import_page_before_any_upload(monkeypatch, request, db, n):
    at = _app(monkeypatch, request.getfixturevalue(db), "pages/import.py")
    assert at.subheader[0].value == "Import data"
    assert any(f"({n:,} patients)" in c.value for c in at.caption)
    target = request.getfixturevalue(db)
    if not str(target).startswith("postgresql"):  # a file: named, its server folder not shown
        shown = " ".join(c.value for c in at.caption).replace("\\", "")  # markdown escapes: as the page reads
        assert f"The database now: {Path(target).name} (" in shown and str(Path(target).parent) not in shown
    assert [b.label for b in at.main.button] == []  # nothing to confirm before files are checked


def test_with_login_only_listed_importers_may_import(monkeypatch, demo_db):
    reader = {"is_logged_in": True, "email": "reader@hospital.example"}
    at = _app(monkeypatch, demo_db, "pages/import.py", secrets=AUTH, user=reader)
    assert "ask a data manager" in at.info[0].value
    manager = {"is_logged_in": True, "email": "Data.Manager@hospital.example"}
    at = _app(monkeypatch, demo_db, "pages/import.py",
              secrets=AUTH | {"cmltrack": {"importers": ["data.manager@hospital.example"]}}, user=manager)
    assert not at.info and at.subheader[0].value == "Import data"


@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_on_an_imported_cdisc_trial(monkeypatch, trial_db, page):
    at = _app(monkeypatch, trial_db, page)
    assert not at.error, [e.value for e in at.error]


def test_cohort_swimmer_of_the_imported_trial(monkeypatch, trial_db):
    at = _app(monkeypatch, trial_db, "pages/cohort.py")
    assert at.button_group(key="anchor").value == "treatment"  # no thalidomide: months since the first drug
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # 306 lanes: the cohort overview, then the swimmer's first page
    fig = json.loads(charts[-1].proto.spec)
    names = {t.get("name") for t in fig["data"]}
    assert {"Xanomeline 54 mg/d", "Placebo 0 mg/d", "CR (RECIST)", "PD (RECIST)", "Mild (as grade 1)"} <= names
    assert not any(n.startswith("Grade ") for n in names if n)  # severity is never drawn as a CTCAE grade
    assert len(fig["layout"]["yaxis"]["tickvals"]) == 50  # the first page of lanes


def test_safety_page_says_when_grades_are_severities(monkeypatch, trial_db):
    at = _app(monkeypatch, trial_db, "pages/safety.py")
    assert at.button_group(key="ae_period").value == "all"  # no thalidomide: the whole record
    assert any("1191 of these 1191 events have no CTCAE grade" in w.value for w in at.warning)
