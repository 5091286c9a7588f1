"""AppTest: the patient page for a known patient, an unknown id, a patient without labs; navigation widgets."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.opening import open_page
from tests.markdown import shown


def _open(monkeypatch, db, patient: str | None = None) -> AppTest:
    return open_page(monkeypatch, db, "pages/patient.py", {"patient": patient} if patient is not None else None,
                     timeout=90)


def _card(at: AppTest) -> str:
    return " ".join(shown(m.value) for m in at.markdown)


def _figure(at: AppTest) -> dict:
    import json

    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_known_patient_shows_card_timeline_and_tables(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db, "CML-03")
    card = _card(at)
    assert "CML-03" in card and "Carmen Testperson" in card
    # the phase now (from the latest count), the progression on the way, and the phases of the demo's record
    assert "**CP**  \n2012-08-01; progressed to AP 2011-10-01; at thalidomide start AP" in card
    # the latest BCR::ABL1 with its date and molecular level; months on the current line; the worklist's answer
    assert "**0.248% IS (no MMR)**  \n2012-08-01" in card and "Imatinib line: 36.0 months (from 2009-08-01)" in card
    assert "**nothing due**  \nas of 2012-08-01" in card
    assert "1.9235 (intermediate risk)" in card  # ELTS at its published 4 decimals, Sokal at 2 (below)
    assert "**Imatinib 600 mg/d + Thalidomide 100 mg/d**" in card
    assert "1.32 (high risk)" in card and "**Warning**" in card  # Sokal; latest ELN 2020
    fig = _figure(at)
    assert fig["layout"]["yaxis3"]["type"] == "log"
    # newest first, clinical headers, the level beside each BCR::ABL1 result (cells are escaped Markdown)
    visits = at.table[0].value.replace(r"\\", "", regex=True)
    assert visits.columns[:5].tolist() == ["Date", "BCR::ABL1 IS %", "Level", "WBC ×10⁹/L", "WBC gr."]
    assert visits["Date"].iloc[0] == "2012-08-01" and visits["Date"].is_monotonic_decreasing
    assert visits.iloc[0, :3].tolist() == ["2012-08-01", "0.248", "no MMR"]
    assert visits.iloc[1, :3].tolist() == ["2012-07-01", "", ""] and "None" not in visits.to_string()
    assert [t.label for t in at.tabs] == ["Visits and labs", "Adverse events", "Treatment",
                                             "Concomitant medications"]
    labels = [b.label for b in at.get("download_button")]
    assert labels[:3] == ["PNG", "SVG", "HTML"] and sum("(CSV)" in label for label in labels) == 3
    assert at.query_params["patient"] == ["CML-03"] or at.query_params["patient"] == "CML-03"


def test_no_id_opens_the_first_patient_of_the_filtered_cohort(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db)
    assert "CML-02" in _card(at)  # first lane of the swimmer (longest on thalidomide among the resistant)
    assert any("1 of 21 in the filtered cohort" in c.value for c in at.caption)


def test_unknown_id_says_so_and_offers_the_picker(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db, "CML-99' OR 1=1 --")
    assert "No patient with ID" in at.error[0].value and "CML-99" in shown(at.error[0].value)
    assert at.selectbox(key="patient_picker").options[0].startswith("CML-01")
    assert not at.get("plotly_chart")


def test_previous_next_and_picker_move_between_patients(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db, "CML-02")
    assert at.button[0].disabled  # first lane: no previous
    at.button[1].click().run()
    assert "CML-05" in _card(at)  # second lane of the swimmer's default order
    at.selectbox(key="patient_picker").set_value("CML-18").run()
    assert "CML-18" in _card(at)


def test_filters_narrow_previous_and_next(monkeypatch, demo_db):
    at = _open(monkeypatch, demo_db, "CML-01")
    at.button_group(key="status").set_value(["intolerant"]).run()
    assert any("of 8 in the filtered cohort" in c.value for c in at.caption)


def test_patient_without_labs(monkeypatch, no_labs_db):
    at = _open(monkeypatch, no_labs_db, "CML-05")
    assert "No visits" in at.info[0].value
    fig = _figure(at)
    assert any(t["type"] == "bar" for t in fig["data"])  # exposure is still drawn
    names = {t.get("name") for t in fig["data"]}
    assert "CHR" in names  # recorded responses stand in where no labs exist


def test_a_patient_not_seen_for_a_year_is_said_to_be_out_of_follow_up(monkeypatch, frames, tmp_path):
    """The card's worklist line names a patient the Clinic page counts apart (no visit in the 12 months before its
    as-of date) instead of only listing an overdue test years long."""
    import pandas as pd

    from cmltrack.cohorts.demo import DEMO_SOURCE
    from cmltrack.registry import write_database
    from tests.conftest import subset

    two = subset(frames, ["CML-01", "CML-03"])
    labs = two["labs"]
    two["labs"] = labs[(labs["patient_id"] != "CML-01") | (pd.to_datetime(labs["date"]) < pd.Timestamp(2011, 7, 1))]
    db = write_database(tmp_path / "lost.duckdb", two, source=DEMO_SOURCE)
    card = _card(_open(monkeypatch, db, "CML-01"))
    assert "not under follow-up: last seen 2011-06-" in card
    assert "no visit in the 12 months before 2012-08-01 (if still followed here: BCR::ABL1 overdue" in card
    assert "not under follow-up" not in _card(_open(monkeypatch, db, "CML-03"))  # seen on the as-of date
