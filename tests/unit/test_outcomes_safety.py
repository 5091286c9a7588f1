"""Outcome tables, Kaplan-Meier inputs and figure, safety summaries, de-identification."""

from __future__ import annotations

import pandas as pd
import pytest

from cmltrack import outcomes, safety
from cmltrack.db import queries as q
from cmltrack.deid import Pseudonyms, deidentify
from cmltrack.figures.outcomes import km_figure
from cmltrack.filters import CohortFilter


@pytest.fixture()
def lanes(con):
    return q.cohort_lanes(con, CohortFilter())


def test_response_table_and_rates_by_status(lanes):
    table = outcomes.response_table(lanes).set_index("Best response on thalidomide")
    assert table.loc["CCyR", "All (n = 21)"] == "4 (19%)"
    assert table.loc["CHR", "Resistant (n = 13)"] == "4 (31%)"
    rates = outcomes.response_rates(lanes).set_index(["Group", "Response"])
    overall = rates.loc[("All", "Any response (CHR or better)")]
    assert (overall["Responders"], overall["Evaluable"]) == (10, 13)
    assert (overall["95% CI low (%)"], overall["95% CI high (%)"]) == (pytest.approx(46.19, abs=0.01),
                                                                     pytest.approx(94.96, abs=0.01))


def test_abstract_table_marks_the_two_printed_discrepancies(con, lanes):
    ids = lanes["patient_id"].tolist()
    table = outcomes.abstract_table(outcomes.abstract_figures(lanes, q.treatments_for(con, ids),
                                                              q.adverse_events_for(con, ids)))
    assert table.loc[table["Matches"] == "no", "Figure"].tolist() == ["EUTOS high risk (%)", "Global response (%)"]
    assert table.set_index("Figure").loc["Evaluable", "From the data"] == "13"


def test_time_to_event_inputs(con, lanes):
    first = q.first_response_after_thalidomide(con, lanes["patient_id"].tolist(), "CCYR")
    curves = outcomes.time_to_event(lanes, first)
    ccyr = curves["Time to CCyR"]
    assert int(ccyr["event"].sum()) == 4 and len(ccyr) == 21
    assert ccyr.loc["CML-04", "duration"] == pytest.approx(2, abs=0.1)
    on_thal = curves["Time on thalidomide"]
    assert set(on_thal.index[on_thal["event"]]) == {"CML-14", "CML-19"}  # the two who stopped


def test_km_figure_has_curves_bands_censor_marks_and_numbers_at_risk(con, lanes):
    first = q.first_response_after_thalidomide(con, lanes["patient_id"].tolist(), "CCYR")
    frame = outcomes.time_to_event(lanes, first)["Time on thalidomide"]
    fig = km_figure({"All": frame}, "Time on thalidomide").to_dict()
    curve = next(t for t in fig["data"] if t.get("name", "").startswith("All (n = 21"))
    assert curve["line"]["shape"] == "hv"
    assert any(t.get("fill") == "tonexty" for t in fig["data"])
    at_risk = next(t for t in fig["data"] if t["mode"] == "text")
    assert at_risk["text"][0] == "21"


def test_safety_summaries(con, lanes):
    ids = lanes["patient_id"].tolist()
    aes = q.adverse_events_for(con, ids)
    worst = safety.worst_grade_by_term(aes)
    assert worst.index[0] == "Peripheral sensory neuropathy"
    assert (worst.loc["Peripheral sensory neuropathy", 1], worst.loc["Peripheral sensory neuropathy", 2]) == (9, 1)
    attribution = safety.by_attribution(aes)
    assert attribution.loc["thalidomide"].sum() + attribution.loc["imatinib"].sum() == len(aes)
    rates = safety.exposure_adjusted(aes, q.treatments_for(con, ids),
                                     lanes.set_index("patient_id")["last_visit_date"]).set_index("drug")
    thal = rates.loc["thalidomide"]
    attributed = int((aes["attributed_drug"] == "thalidomide").sum())
    assert attributed == 23  # 10 neuropathy, 5 somnolence, 5 constipation, 3 dizziness
    assert thal["events"] == attributed
    assert thal["per_100_pm"] == pytest.approx(100 * 23 / thal["patient_months"], rel=1e-3)  # months shown rounded
    onsets = safety.onset_months(aes, lanes.set_index("patient_id")["thal_start_date"])
    assert (onsets.loc[onsets["attributed_drug"] == "thalidomide", "onset_month"] >= 0).all()


def test_pseudonyms_are_random_per_seed_and_two_way():
    ids = [f"CML-{i:02d}" for i in range(1, 22)]
    a, b = Pseudonyms(ids, seed=1), Pseudonyms(ids, seed=2)
    assert sorted(a.forward.values()) == [f"P-{i:03d}" for i in range(1, 22)]
    assert a.forward != b.forward and all(a.real(a(pid)) == pid for pid in ids)
    assert Pseudonyms(ids, seed=1).forward == a.forward and a("unknown") == "P-?"


def test_deidentify_drops_identifiers_and_turns_dates_into_months():
    frame = pd.DataFrame({"patient_id": ["X1"], "mrn": ["FAKE-1"], "display_name": ["Ann Example"],
                          "onset_date": [pd.Timestamp("2012-04-01")], "grade": [1]})
    names = Pseudonyms(["X1"], seed=3)
    out = deidentify(frame, names, {"X1": pd.Timestamp("2012-01-01")})
    assert list(out.columns) == ["patient_id", "onset_date (month)", "grade"]
    assert out.iloc[0].tolist() == ["P-001", pytest.approx(3.0, abs=0.05), 1]
