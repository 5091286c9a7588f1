"""Outcome tables, Kaplan-Meier inputs and figure, safety summaries, de-identification."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cmltrack.analysis import outcomes, safety
from cmltrack.db import queries as q
from cmltrack.db.filters import CohortFilter
from cmltrack.figures.outcomes import km_figure
from cmltrack.privacy.pseudonyms import Pseudonyms, deidentify
from tests.unit.test_swimmer_figure import decoded


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


def _curves(con, lanes):
    ids = lanes["patient_id"].tolist()
    shown = q.events_for(con, ids)
    return outcomes.time_to_event(lanes, shown[shown["kind"] != "AE"], q.treatments_for(con, ids),
                                  q.labs_for(con, ids))


def test_time_to_ccyr_with_competing_events_and_censoring_at_the_last_assessment(con, lanes):
    ccyr = _curves(con, lanes)["Time to CCyR"]
    assert len(ccyr) == 21  # nobody was in CCyR when thalidomide started
    assert sorted(ccyr.index[ccyr["event"] == 1]) == ["CML-01", "CML-02", "CML-03", "CML-04"]
    assert ccyr.loc["CML-04", "duration"] == pytest.approx(2, abs=0.1)
    # stopped thalidomide first (somnolence at 1 month; blast phase at 4.5 months): competing, not censored
    assert ccyr.loc[["CML-14", "CML-19"], "event"].tolist() == [2, 2]
    assert ccyr.loc["CML-14", "duration"] == pytest.approx(4.5, abs=0.1)
    # censored at the last BCR::ABL1 (9 months), not at the last blood count (9.4)
    assert ccyr.loc["CML-05", "event"] == 0 and ccyr.loc["CML-05", "duration"] == pytest.approx(9.0, abs=0.1)


def test_time_on_thalidomide_runs_from_first_start_to_final_stop(con, lanes):
    on_thal = _curves(con, lanes)["Time on thalidomide"]
    assert sorted(on_thal.index[on_thal["event"] == 1]) == ["CML-14", "CML-19"]
    assert on_thal.loc["CML-19", "duration"] == pytest.approx(1.0, abs=0.05)
    assert on_thal.loc["CML-01", "duration"] == pytest.approx(18.0, abs=0.05)


def test_km_figure_has_curves_bands_censor_marks_and_numbers_at_risk(con, lanes):
    frame = _curves(con, lanes)["Time on thalidomide"]
    fig = km_figure({"All": frame}, "Time on thalidomide").to_dict()
    curve = next(t for t in fig["data"] if t.get("name", "").startswith("All (n = 21"))
    assert curve["line"]["shape"] == "hv"
    assert any(t.get("fill") == "tonexty" for t in fig["data"])
    at_risk = next(t for t in fig["data"] if t["mode"] == "text")
    assert at_risk["text"][0] == "21"
    assert fig["layout"]["xaxis2"]["range"][0] < 0  # the numbers at month 0 are not clipped
    from cmltrack.analysis.stats import cumulative_incidence
    from tests.unit.test_swimmer_figure import decoded

    ccyr = _curves(con, lanes)["Time to CCyR"]
    cif = decoded(km_figure({"All": ccyr}, "Time to CCyR", competing=True).to_dict())
    curve = next(t for t in cif["data"] if t.get("name", "").startswith("All (n = 21, reached 4, competing 2"))
    assert not any(t.get("fill") == "tonexty" for t in cif["data"])
    expected = cumulative_incidence(ccyr["duration"], ccyr["event"])["incidence"].max()
    assert max(curve["y"]) == pytest.approx(100 * expected) and 100 * 4 / 21 <= max(curve["y"]) < 50


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


def test_pseudonyms_stay_when_patients_are_added():
    ids = [f"CML-{i:02d}" for i in range(1, 22)]
    names = Pseudonyms(ids, seed=5)
    before = dict(names.forward)
    names.extend([*ids, "CML-22", "CML-23"])
    assert {k: names.forward[k] for k in before} == before
    assert {names("CML-22"), names("CML-23")} == {"P-022", "P-023"}


def test_free_text_is_coded_in_presentation_mode(con, lanes):
    from cmltrack.figures.patient import build_patient_timeline
    from cmltrack.figures.swimmer import build_swimmer, order_lanes
    from cmltrack.privacy.pseudonyms import coded_reason
    from tests.unit.test_swimmer_figure import decoded

    assert [coded_reason(t) for t in ("adverse event: somnolence", "progression to blast phase",
                                      "interruption for adverse event", "dose change", "Dr Smith asked", None)] == \
        ["adverse event", "progression", "interruption", "dose change", "other", ""]
    ordered = order_lanes(lanes)
    ids = ordered["patient_id"].tolist()
    fig = decoded(build_swimmer(ordered, q.treatments_for(con, ids), q.events_for(con, ids), board=True).to_dict())
    reasons = {row[4] for t in fig["data"] if t["type"] == "bar" for row in t["customdata"]}
    assert reasons <= {"", "adverse event", "progression", "interruption", "dose change", "completed", "death",
                       "other"}
    p = q.patient(con, "CML-02").iloc[0]
    pfig = decoded(build_patient_timeline(p, q.treatments_for(con, ["CML-02"]), q.labs_for(con, ["CML-02"]),
                                          q.events_for(con, ["CML-02"]), q.adverse_events_for(con, ["CML-02"]),
                                          board=True).to_dict())
    ae_text = " ".join(str(row[0]) for t in pfig["data"] if t["type"] == "bar" and t["yaxis"] == "y4"
                       for row in t["customdata"])
    assert "Numbness and tingling" not in ae_text and "Peripheral sensory neuropathy" in ae_text


def test_treatment_emergent_events_and_exposure_stay_inside_the_thalidomide_window(con, lanes):
    from cmltrack.cohorts.demo import SPECS

    ids = lanes["patient_id"].tolist()
    treatments, aes = q.treatments_for(con, ids), q.adverse_events_for(con, ids)
    windows = safety.thalidomide_windows(lanes, treatments)
    emergent = safety.in_windows(aes, windows)
    # the demo scripts time every adverse event on the thalidomide clock ('t') or the imatinib clock ('m')
    assert len(emergent) == sum(1 for s in SPECS for ae in s.aes if ae[2] == "t") == 23
    clipped = safety.clip_to_windows(treatments, windows, lanes.set_index("patient_id")["last_visit_date"])
    rates = safety.exposure_adjusted(emergent, clipped, lanes.set_index("patient_id")["last_visit_date"])
    rates = rates.set_index("drug")
    # in the window, imatinib exposure is the time on the combination: about the thalidomide exposure
    assert rates.loc["imatinib", "patient_months"] == pytest.approx(rates.loc["thalidomide", "patient_months"], rel=0.1)
    with_thal_event = {s.pid for s in SPECS if any(ae[2] == "t" for ae in s.aes)}
    assert rates.loc["imatinib", "events"] == 0
    assert rates.loc["thalidomide", "patients_with_event"] == len(with_thal_event) == 19


def test_grade_bars_keep_readable_ticks_at_scale():
    from cmltrack.figures.safety import grade_bars

    few = pd.DataFrame({1: [9], 2: [1]}, index=["Peripheral sensory neuropathy"])
    many = few * 48
    assert grade_bars(few, "t", "Patients").layout.xaxis.dtick == 1  # one tick per patient while they are few
    assert grade_bars(many, "t", "Patients").layout.xaxis.dtick is None  # 480 patients: let the axis choose


def test_an_uncoded_adverse_event_never_shows_its_verbatim_text_in_presentation_mode(con, lanes):
    from cmltrack.figures.swimmer import build_swimmer, order_lanes
    from cmltrack.privacy.pseudonyms import UNCODED_AE
    from tests.unit.test_swimmer_figure import decoded

    ordered = order_lanes(lanes)
    ids = ordered["patient_id"].tolist()
    events = q.events_for(con, ids)
    first_ae = events.index[events["kind"] == "AE"][0]
    events.loc[first_ae, ["meddra_pt", "term"]] = [None, "Seen by Dr Hartmann on 12 May"]
    fig = decoded(build_swimmer(ordered, q.treatments_for(con, ids), events, board=True).to_dict())
    texts = " ".join(str(cell) for t in fig["data"] if t.get("customdata") is not None
                     for row in t["customdata"] for cell in (row if isinstance(row, list) else [row]))
    assert "Hartmann" not in texts and UNCODED_AE in texts
    aes = q.adverse_events_for(con, ids)
    aes.loc[aes.index[0], ["meddra_pt", "term"]] = [None, "Seen by Dr Hartmann on 12 May"]
    assert "Hartmann" not in " ".join(safety.worst_grade_by_term(aes).index)


# --- readability (issue 20) ---------------------------------------------------------------------------------------


def test_the_abstracts_notes_only_where_the_data_are_the_abstracts_patients(con, lanes):
    ids = lanes["patient_id"].tolist()
    figures = outcomes.abstract_figures(lanes, q.treatments_for(con, ids), q.adverse_events_for(con, ids))
    notes = outcomes.abstract_table(figures).set_index("Figure")["Note"]
    assert notes["EUTOS high risk (%)"] == "16/21 = 76.2%, printed as 79%"
    few = lanes.iloc[:15]  # another cohort: its EUTOS share is not 16/21, and no note may say it is
    ids = few["patient_id"].tolist()
    other = outcomes.abstract_table(outcomes.abstract_figures(few, q.treatments_for(con, ids),
                                                               q.adverse_events_for(con, ids))).set_index("Figure")
    assert "16/21" not in " ".join(other["Note"])  # (these 15 still hold the 13 evaluable: 10/13 stays noted)


def _big(n: int = 10_000, seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"duration": rng.exponential(12, n).round(3), "event": rng.integers(0, 2, n)})
    return {"Resistant": frame.iloc[: n // 2], "Intolerant": frame.iloc[n // 2:]}


def test_two_confidence_bands_stay_two_and_formal_axis_titles(con, lanes):
    frame = _curves(con, lanes)["Time on thalidomide"]
    groups = {s.capitalize(): frame[frame["status"] == s] for s in ("resistant", "intolerant")}
    fig = decoded(km_figure(groups, "Time on thalidomide").to_dict())
    bands = [t for t in fig["data"] if t.get("fill") == "tonexty"]
    assert len(bands) == 2 and len({t["fillpattern"]["shape"] for t in bands}) == 2  # hatched two ways
    assert {t["line"]["color"] for t in bands} != {"rgba(0,0,0,0)"} and all(t["line"]["width"] > 0 for t in bands)
    assert fig["layout"]["yaxis"]["title"]["text"] == "Still on thalidomide (%)"
    assert fig["layout"]["yaxis2"]["title"]["text"] == "Number at risk"
    cif = decoded(km_figure(groups, "Time to CCyR", competing=True).to_dict())
    assert cif["layout"]["yaxis"]["title"]["text"] == "Cumulative incidence (%)"


def test_at_10000_patients_censor_ticks_do_not_smear_and_counts_have_separators():
    fig = decoded(km_figure(_big(), "Time on thalidomide").to_dict())
    ticks = [t for t in fig["data"] if t.get("name", "").endswith(": censored")]
    assert sum(len(t["x"]) for t in ticks) <= 2 * 150
    curves = [t for t in fig["data"] if t.get("mode") == "lines" and t.get("showlegend", True) is not False
              and "n = " in t.get("name", "")]
    assert all("n = 5,000" in t["name"] and "censored (see at risk)" in t["name"] for t in curves)
    at_risk = [t for t in fig["data"] if t.get("mode") == "text"]
    assert at_risk[0]["text"][0] == "5,000"
    small = decoded(km_figure({"All": _big(40)["Resistant"]}, "t").to_dict())  # few patients: every tick drawn
    ticks = next(t for t in small["data"] if t.get("name", "").endswith(": censored"))
    assert len(ticks["x"]) == int((_big(40)["Resistant"]["event"] == 0).sum())


def test_the_onset_chart_shows_every_event_and_its_start_label_has_a_row_of_its_own(con, lanes):
    from cmltrack.figures.safety import onset_strip

    ids = lanes["patient_id"].tolist()
    windows = safety.thalidomide_windows(lanes, q.treatments_for(con, ids))
    aes = safety.in_windows(q.adverse_events_for(con, ids), windows)
    onsets = safety.onset_months(aes, lanes.set_index("patient_id")["thal_start_date"])  # the page's default
    fig = decoded(onset_strip(onsets).to_dict())
    points = [(round(x, 3), round(y, 3)) for t in fig["data"] for x, y in zip(t["x"], t["y"])]
    assert len(points) == len(set(points)) == len(onsets) == 23  # no two events on one spot (was about 12 seen)
    assert all(abs(y - round(y)) < 0.45 for _, y in points)  # each stays in its term's row
    note = next(a for a in fig["layout"]["annotations"] if a["text"] == "Thalidomide start")
    low, high = sorted(fig["layout"]["yaxis"]["range"])
    assert note["yref"] == "y" and low < note["y"] < min(y for _, y in points) - 0.4  # 14 px clear at least


def test_safety_titles_clear_of_legends_and_drugs_named_as_elsewhere(con, lanes):
    from cmltrack.figures.safety import grade_bars

    aes = q.adverse_events_for(con, lanes["patient_id"].tolist())
    fig = decoded(grade_bars(safety.by_attribution(aes), "Events by attributed drug", "Events", drugs=True).to_dict())
    assert sorted(fig["data"][0]["y"]) == ["Imatinib", "Thalidomide"]
    layout = fig["layout"]
    assert layout["title"]["xanchor"] == "left" and layout["legend"]["xanchor"] == "right"
    assert layout["title"]["yref"] == "container" and layout["legend"]["y"] >= 1


def test_the_onset_chart_stays_a_chart_at_10000_patients():
    from cmltrack.figures.safety import onset_strip

    rng = np.random.default_rng(1)
    n = 7_000
    onsets = pd.DataFrame({"term_label": rng.choice(["Neuropathy", "Rash", "Somnolence"], n),
                           "onset_month": rng.uniform(0, 12, n).round(2), "ctcae_grade": rng.integers(1, 4, n)})
    fig = onset_strip(onsets)
    assert fig.layout.height < 600  # was about 100,000 px: every crowded row grew with its crowd
    ys = np.concatenate([np.asarray(t.y, dtype=float) for t in fig.data])
    assert np.all(np.abs(ys - np.round(ys)) < 0.45)
