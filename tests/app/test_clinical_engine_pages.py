"""AppTest, issue 16: ELN 2025 in the sidebar (said to be unverified), mutation and ACA markers on the patient course
and on the swimmer, CTCAE grades derived from the labs in the visits table and on hover."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cmltrack.registry import write_database
from tests.app.opening import open_page


@pytest.fixture(scope="module")
def genetics_db(tmp_path_factory, frames) -> Path:
    """The demo cohort with a T315I and a +8 in Ph+ cells found in CML-03, and neutrophils on its visits."""
    labs = frames["labs"].copy()
    labs["neutrophils"] = pd.Series(1.2, index=labs.index).where(labs["patient_id"] == "CML-03")  # grade 2
    when = pd.to_datetime(labs.loc[labs["patient_id"] == "CML-03", "date"]).sort_values().iloc[-3].date()
    genetics = dict(
        labs=labs,
        mutations=pd.DataFrame([{"patient_id": "CML-03", "date": when, "method": "Sanger", "mutation": "T315I"}]),
        karyotypes=pd.DataFrame([{"patient_id": "CML-03", "date": when, "finding": "+8", "ph_positive": True}]))
    return write_database(tmp_path_factory.mktemp("genetics") / "g.duckdb", dict(frames, **genetics), source="test")


def _open(monkeypatch, db, page: str, **params: str) -> AppTest:
    return open_page(monkeypatch, db, page, params, timeout=90)


def _traces(at: AppTest, index: int = -1) -> list[dict]:
    return json.loads(at.get("plotly_chart")[index].proto.spec)["data"]


def test_eln2025_is_offered_and_said_to_be_unverified(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db, "pages/patients.py")
    assert "ELN2025" in at.button_group(key="rules").options or any(
        "2025" in str(o) for o in at.button_group(key="rules").options)
    assert not any("could not be read" in c.value for c in at.sidebar.caption)
    at.button_group(key="rules").set_value("ELN2025").run()
    assert not at.exception
    assert any("ELN 2025" in c.value and "could not be read" in c.value for c in at.sidebar.caption)
    assert set(at.dataframe[0].value["eln_latest"]) - {None, ""}  # derived classifications exist for ELN 2025


def test_patient_course_marks_the_mutation_and_the_aca_and_grades_the_counts(monkeypatch, genetics_db):
    at = _open(monkeypatch, genetics_db, "pages/patient.py", patient="CML-03")
    traces = _traces(at, 0)
    names = {t.get("name") for t in traces}
    assert {"BCR::ABL1 mutation", "High-risk ACA (Ph+)"} <= names
    mutation = next(t for t in traces if t.get("name") == "BCR::ABL1 mutation")
    assert "T315I (Sanger)" in json.dumps(mutation["customdata"])
    neutrophils = next(t for t in traces if t.get("name") == "Neutrophils (x10^9/L)")
    assert "CTCAE grade 2 Neutrophil count decreased (from labs)" in json.dumps(neutrophils["customdata"])
    visits = at.table[0].value.replace(r"\\", "", regex=True)  # cells are escaped Markdown
    assert {"WBC gr.", "Plt gr.", "Hb gr.", "ANC gr."} <= set(visits.columns)
    assert any("not a recorded adverse event" in c.value for c in at.caption)
    assert set(visits["ANC gr."]) - {""} == {"2"}
    assert not any("Neutrophil" in str(t) for t in at.dataframe[0].value.get("term", []))  # not an adverse event
    card = " ".join(m.value for m in at.markdown)
    assert "**Failure**" in card  # latest ELN 2020: T315I and +8 found on imatinib


def test_swimmer_draws_the_mutation_glyph(monkeypatch, genetics_db):
    at = _open(monkeypatch, genetics_db, "pages/cohort.py")
    traces = _traces(at)
    mutation = [t for t in traces if t.get("name") == "BCR::ABL1 mutation"]
    assert len(mutation) == 1 and len(mutation[0]["customdata"]) == 1
    assert "T315I" in json.dumps(mutation[0]["customdata"])
    assert any(t.get("name") == "High-risk ACA (Ph+)" for t in traces)
