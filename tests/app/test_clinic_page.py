"""AppTest: the Clinic page (the worklist) on 0, 1, 21, 1,008 and 100,000 patients, its widgets driven, in both
modes."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.opening import open_page


def _open(monkeypatch, db, mode: str | None = None) -> AppTest:
    return open_page(monkeypatch, db, "pages/clinic.py", {"mode": mode} if mode else None)


def _text(at: AppTest) -> str:
    return " ".join(e.value for e in [*at.markdown, *at.caption, *at.info])


def test_no_patients(monkeypatch, empty_db):
    at = _open(monkeypatch, empty_db)
    assert not at.dataframe and not at.table and "The database holds no patients yet" in _text(at)


def test_one_patient_is_in_follow_up_nowhere_near_today(monkeypatch, one_db):
    at = _open(monkeypatch, one_db)  # not a demo source: as of today, years after its last visit
    assert at.date_input(key="clinic_as_of").value == dt.date.today()
    assert "1 living patients without a visit in the 12 months" in _text(at) and not at.dataframe
    at.toggle(key="clinic_all").set_value(True).run()  # listed when asked: its BCR::ABL1 is years overdue
    table = at.dataframe[0].value
    assert table["patient_id"].tolist() == ["CML-02"] and table["days_overdue"].iloc[0] > 3000


def test_demo_cohort_as_of_its_last_date_said_on_screen(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db)
    assert at.date_input(key="clinic_as_of").value == dt.date(2012, 8, 1)
    text = _text(at)
    assert "2012-08-01 is the last date in the data" in text and "**4 of 21 patients need action**" in text
    table = at.dataframe[0].value
    assert table["patient_id"].tolist() == ["CML-11", "CML-14", "CML-15", "CML-21"]
    assert table.columns[:3].tolist() == ["patient_id", "reasons", "days_overdue"]
    assert table.loc[table["patient_id"] == "CML-14", "pcr_due"].tolist() == [""]  # off TKI: nothing due, blank
    at.button_group(key="clinic_reasons").set_value(["pcr"]).run()  # only overdue tests: nobody
    assert "Nobody in the filtered cohort needs action" in _text(at)
    at.button_group(key="clinic_reasons").set_value(["news"]).run()
    at.date_input(key="clinic_since").set_value(dt.date(2012, 7, 1)).run()  # new since a later clinic: fewer
    assert at.dataframe[0].value["patient_id"].tolist() == ["CML-21"]


def test_the_sidebar_filter_narrows_the_worklist(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db)
    at.button_group(key="status").set_value(["intolerant"]).run()
    assert "of 8 patients need action" in _text(at)


def test_an_earlier_as_of_date_reads_nothing_later(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db)
    at.date_input(key="clinic_as_of").set_value(dt.date(2011, 6, 1)).run()
    table = at.dataframe[0].value
    assert len(table) and set(table["patient_id"]) != {"CML-11", "CML-14", "CML-15", "CML-21"}
    assert all(day <= "2011-06-01" for day in table["last_pcr_date"] if day)  # ISO dates, blank when none


def test_a_thousand_patients(monkeypatch, large_db):
    at = _open(monkeypatch, large_db)  # 1,008 patients, 48 copies of the demo, as of today: none followed
    assert "1,008 living patients without a visit" in _text(at)
    at.date_input(key="clinic_as_of").set_value(dt.date(2012, 8, 1)).run()
    table = at.dataframe[0].value
    assert len(table) == 4 * 48 and "of 1,008 patients need action" in _text(at)
    assert at.get("download_button")[0].label == "Download the worklist (CSV)"


def test_presentation_mode_pseudonyms_a_static_table_and_no_dates(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db, mode="board")
    assert not at.dataframe and not at.date_input
    shown = at.table[0].value.replace(r"\\", "", regex=True)  # cells are escaped Markdown
    assert shown["Patient"].str.fullmatch(r"P-\d{3}").all() and "BCR::ABL1 due" not in shown.columns
    assert "As of the last date in the data" in _text(at)
    at.selectbox(key="clinic_open").set_value(0).run()  # a pseudonym picked opens that patient
    assert not at.exception
    card = " ".join(m.value for m in at.markdown).replace("\\", "")  # values are escaped Markdown
    assert shown["Patient"].iloc[0] in card and "CML-" not in card


@pytest.fixture(scope="module")
def registry_100k(tmp_path_factory) -> Path:
    """A 100,000-patient synthetic registry, written as `python -m cmltrack demo --patients 100000` writes it."""
    from cmltrack.cohorts.synthetic import SOURCE, synthetic_frames
    from cmltrack.registry import write_database

    path = tmp_path_factory.mktemp("registry") / "synthetic_100000.duckdb"
    return write_database(path, synthetic_frames(100_000, seed=0), source=f"{SOURCE} (n=100000, seed=0)")


def test_a_hundred_thousand_patients_in_both_modes(monkeypatch, registry_100k):
    at = _open(monkeypatch, registry_100k)  # a fictitious cohort: as of its last date, the patients followed
    text = _text(at)
    needing = re.search(r"\*\*([\d,]+) of 100,000 patients need action\*\*", text)
    assert needing and "is the last date in the data" in text, text[:500]
    table = at.dataframe[0].value
    assert len(table) == int(needing.group(1).replace(",", "")) > 0  # one row per patient needing action
    assert table["patient_id"].is_unique and table["reasons"].str.len().gt(0).all()
    overdue = table["days_overdue"].dropna().tolist()
    assert overdue == sorted(overdue, reverse=True)  # most overdue first
    at.toggle(key="clinic_all").set_value(True).run()  # the patients not seen for 12 months too: thousands
    everyone = at.dataframe[0].value
    assert len(everyone) > 1000 and set(table["patient_id"]) <= set(everyone["patient_id"])
    at.button_group(key="clinic_reasons").set_value(["pcr"]).run()  # overdue tests only: a subset
    assert 0 < len(at.dataframe[0].value) <= len(everyone)

    board = _open(monkeypatch, registry_100k, mode="board")  # pseudonyms, no dates, a table a projector shows
    shown = " ".join(str(v) for v in board.table[0].value.to_numpy().ravel()) if board.table else ""
    assert "SYN-" not in shown and not re.search(r"\d{4}-\d{2}-\d{2}", shown)
