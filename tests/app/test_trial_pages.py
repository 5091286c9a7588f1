"""AppTest: a trial imported as delivered (pharmaverseadam ADSL and ADAE with three onsets the analysis left
missing, pharmaversesdtm EX, SDTM LB and CM built for two of its subjects) on every page: arms as a filter and as
bands, unknown onsets counted and listed on Safety, the patient card and the concomitant medications."""

from __future__ import annotations

import json

import pyreadr
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_reliability import ROOT, _run
from tests.realdata import REALDATA, needs_realdata
from tests.trialfiles import cm_frame, lb_frame

pytestmark = needs_realdata
UNKNOWN = 3


@pytest.fixture(scope="session")
def arms_db(backend, request, tmp_path_factory):
    from cmltrack.ingest.plan import import_sources
    from tests.conftest import _target

    folder = tmp_path_factory.mktemp("trial_src")
    adae = next(iter(pyreadr.read_r(str(REALDATA / "pharmaverseadam/adae.rda")).values()))
    adae.loc[adae.index[:UNKNOWN], ["ASTDT", "ASTDTM", "AESTDTC", "ASTDTF"]] = None
    adae.to_csv(folder / "adae.csv", index=False)
    lb_frame().to_csv(folder / "lb.csv", index=False)
    cm_frame().to_csv(folder / "cm.csv", index=False)
    path = _target(backend, request, tmp_path_factory, "arms")
    import_sources(path, [REALDATA / "pharmaverseadam/adsl.rda", folder / "adae.csv",
                          REALDATA / "pharmaversesdtm/ex.rda", folder / "lb.csv", folder / "cm.csv",
                          REALDATA / "pharmaverseadam/adtte_onco.rda"], mode="replace")
    return path


def test_the_arm_filter_narrows_every_page(monkeypatch, arms_db):
    at = _run(monkeypatch, arms_db, "pages/cohort.py")
    assert at.multiselect(key="arm").options == ["Placebo", "Screen Failure", "Xanomeline High Dose",
                                                 "Xanomeline Low Dose"]
    at.multiselect(key="arm").set_value(["Placebo"]).run()
    assert any("Showing 86 of 306 patients" in m.value for m in at.sidebar.markdown)
    at.switch_page("pages/safety.py").run()
    assert not at.exception and not at.error
    by_arm = [d for d in at.dataframe if "arm" in d.value.columns][0].value
    assert by_arm["arm"].tolist() == ["Placebo"]


def test_a_link_naming_an_arm_opens_the_filtered_cohort(monkeypatch, arms_db):
    monkeypatch.setenv("CMLTRACK_DB", str(arms_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["arm"] = "Xanomeline Low Dose"
    at.run()
    assert not at.exception
    assert any("Showing 84 of 306 patients" in m.value for m in at.sidebar.markdown)


def test_the_cohort_bands_lanes_by_arm(monkeypatch, arms_db):
    at = _run(monkeypatch, arms_db, "pages/cohort.py")
    at.button_group(key="band").set_value("arm").run()
    fig = json.loads(at.get("plotly_chart")[-1].proto.spec)
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert any(t.startswith("<b>Placebo") for t in titles), titles[:5]


def test_outcomes_draw_a_trial_endpoint_per_arm(monkeypatch, arms_db):
    at = _run(monkeypatch, arms_db, "pages/outcomes.py")
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    curves = {t["name"] for t in fig["data"] if t.get("mode") == "lines" and t.get("showlegend", True)}
    assert curves == {"Placebo (n = 86, events 2)", "Xanomeline High Dose (n = 84, events 0)",
                      "Xanomeline Low Dose (n = 84, events 1)"}  # OS: 254 patients of ADTTE, by TRT01P
    assert any("one curve per arm as randomised" in c.value for c in at.caption)


def test_safety_counts_and_lists_events_of_unknown_onset(monkeypatch, arms_db):
    at = _run(monkeypatch, arms_db, "pages/safety.py")
    assert any(f"{UNKNOWN} adverse events of unknown onset" in m.value for m in at.markdown)
    listed = [d for d in at.dataframe if "Event" in d.value.columns]
    assert len(listed) == 1 and len(listed[0].value) == UNKNOWN
    assert any("1,191 adverse events" in c.value for c in at.caption)  # all counted, the unknown ones too
    by_arm = [d for d in at.dataframe if "arm" in d.value.columns][0].value.set_index("arm")
    assert by_arm.loc["Placebo", "patients"] == 86


def test_a_trial_patient_card_lanes_and_tabs(monkeypatch, arms_db):
    at = _run(monkeypatch, arms_db, "pages/patient.py", patient="01-701-1015")
    card = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "thalidomide start" not in card.split("Best response")[0].lower()
    assert "Age at study entry" in card or "Age at" in card
    assert "Arm Placebo" in card
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert {"℞ acetaminophen", "℞ ondansetron", "℞ acetylsalicylic acid"} <= set(
        fig["layout"]["yaxis"]["categoryarray"])
    assert [t.label for t in at.tabs][-1] == "Concomitant medications"

