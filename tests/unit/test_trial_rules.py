"""Pure rules added for imported trials: labelled doses at their boundaries, CSV cells a spreadsheet would run,
year-only onsets on the patient course, bands by arm, the card's age label, safety by arm and unknown onsets."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from cmltrack.analysis import outcomes, safety
from cmltrack.clinical.dosing import LABEL_MG_PER_DAY, dose_plausibility
from cmltrack.figures.patient import build_patient_timeline, drawn_onset, meds_at
from cmltrack.figures.swimmer import order_lanes
from cmltrack.ingest.drugs import stored_names
from cmltrack.spreadsheet import defused, spreadsheet_csv
from cmltrack.ui.patient_card import age_label, trial_note


@pytest.mark.parametrize("drug, dose, verdict", [
    # Gleevec USPI section 2: 100 mg/day (ASM, HES/CEL start) to 800 mg/day (400 mg twice a day)
    ("imatinib", 100, None), ("imatinib", 99, "warning"), ("imatinib", 800, None), ("imatinib", 801, "warning"),
    ("imatinib", 8000, "warning"), ("imatinib", 8001, "error"), ("imatinib", 10, "warning"), ("imatinib", 9.9, "error"),
    # Thalomid USPI section 2: 50 mg/day (lowest capsule, reduced dose) to 400 mg/day (ENL)
    ("thalidomide", 50, None), ("thalidomide", 49, "warning"), ("thalidomide", 400, None),
    ("thalidomide", 401, "warning"), ("thalidomide", 4000, "warning"), ("thalidomide", 4001, "error"),
    ("placebo", 0, None), ("xanomeline", 5000, None),  # no label here: never judged
])
def test_dose_plausibility_on_both_sides_of_every_label_boundary(drug, dose, verdict):
    assert dose_plausibility(drug, dose) == verdict


def test_dose_plausibility_refuses_a_negative_dose():
    with pytest.raises(ValueError, match="mg_per_day"):
        dose_plausibility("imatinib", -1)
    assert set(LABEL_MG_PER_DAY) == {"imatinib", "thalidomide"}


def test_placebo_spellings():
    names, spellings = stored_names(pd.Series(["PLACEBO TABLET", "Placebo patch", "matching placebo", "placebo",
                                               "Xanomeline or placebo", "imatinib + placebo", "IMATINIB", None]))
    assert names.tolist() == ["placebo", "placebo", "placebo", "placebo", "xanomeline or placebo",
                              "imatinib + placebo", "imatinib", None]
    assert spellings == {"PLACEBO TABLET": 1, "Placebo patch": 1, "matching placebo": 1}


def test_csv_cells_a_spreadsheet_would_run_are_written_as_text():
    frame = pd.DataFrame({"term": ["=cmd|'/c calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "Rash", None],
                          "grade": [1, 2, 3, 1, 2, 1, 2], "change": [-1.5, 0.0, 2.0, -3.0, 1.0, 0.5, -0.5]})
    out = defused(frame)
    assert out["term"].tolist()[:6] == ["'=cmd|'/c calc'!A0", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTAB", "Rash"]
    assert pd.isna(out["term"].iloc[6])
    assert out["change"].tolist() == frame["change"].tolist()  # numbers stay numbers, negative ones too
    text = spreadsheet_csv(frame).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert not any(str(v).startswith(("=", "+", "-", "@")) for v in back["term"])
    assert back["change"].tolist() == [-1.5, 0.0, 2.0, -3.0, 1.0, 0.5, -0.5]


def _aes(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["onset_date", "end_date", "onset_precision"]).assign(
        onset_date=lambda f: pd.to_datetime(f["onset_date"]), end_date=lambda f: pd.to_datetime(f["end_date"]))


def test_a_year_only_onset_never_draws_a_decades_long_bar():
    """pharmaverseadam has 'ARTHRITIS' with onset '1977' still going on in 2014: drawn from the first treatment,
    not from 1977; one over before the record is not drawn; a full or month onset is drawn where it is."""
    aes = _aes([("1977-01-01", None, "year"), ("2013-01-01", "2013-03-10", "year"), ("2013-01-01", None, "year"),
                ("1990-01-01", "1991-05-01", "year"), ("2013-05-01", None, "month"), ("2013-05-17", None, "day"),
                (None, None, None)])
    first = pd.Timestamp("2012-08-01")
    drawn = drawn_onset(aes, first)
    assert drawn.tolist()[:3] == [first, pd.Timestamp("2013-03-10"), pd.Timestamp("2013-12-31")]
    assert pd.isna(drawn[3]) and pd.isna(drawn[6])
    assert drawn.tolist()[4:6] == [pd.Timestamp("2013-05-01"), pd.Timestamp("2013-05-17")]


def test_the_patient_course_draws_year_only_onsets_from_the_record_and_meds_in_a_lane():
    patient = pd.Series({"thal_start_date": None, "im_start_date": None, "diagnosis_date": None,
                         "first_treatment_date": pd.Timestamp("2013-01-01"),
                         "last_visit_date": pd.Timestamp("2014-06-01")})
    segments = pd.DataFrame([{"patient_id": "S-1", "drug": "xanomeline", "dose_mg": 54.0,
                              "start_date": pd.Timestamp("2013-01-01"), "end_date": pd.Timestamp("2014-05-01"),
                              "reason_stopped": None, "dates_imputed": False}])
    aes = pd.DataFrame([
        {"patient_id": "S-1", "term": "ARTHRITIS", "meddra_pt": "Arthritis", "ctcae_grade": 1, "ctcae_version": None,
         "grade_source": "severity", "onset_date": pd.Timestamp("1977-01-01"), "end_date": None, "serious": None,
         "attributed_drug": None, "dates_imputed": True, "relatedness": "NONE", "onset_precision": "year"},
        {"patient_id": "S-1", "term": "NAUSEA", "meddra_pt": "Nausea", "ctcae_grade": 2, "ctcae_version": "5.0",
         "grade_source": "CTCAE", "onset_date": pd.Timestamp("2013-02-11"), "end_date": pd.Timestamp("2013-02-20"),
         "serious": False, "attributed_drug": "xanomeline", "dates_imputed": False, "relatedness": "PROBABLE",
         "onset_precision": "day"},
        {"patient_id": "S-1", "term": "RASH", "meddra_pt": "Rash", "ctcae_grade": 1, "ctcae_version": None,
         "grade_source": "CTCAE", "onset_date": None, "end_date": None, "serious": None, "attributed_drug": None,
         "dates_imputed": False, "relatedness": None, "onset_precision": None}])
    meds = pd.DataFrame([{"patient_id": "S-1", "term": "ZOFRAN 8MG", "decoded": "ONDANSETRON", "indication": "NAUSEA",
                          "start_date": pd.Timestamp("2013-02-10"), "end_date": pd.Timestamp("2013-02-25"),
                          "dates_imputed": False}])
    events = pd.DataFrame(columns=["patient_id", "date", "kind"])
    fig = build_patient_timeline(patient, segments, pd.DataFrame(columns=["date", "bcr_abl1_is_pct", "ph_pos_pct",
                                                                          "wbc", "platelets", "hb", "abl1_copies",
                                                                          "metaphases"]),
                                 events, aes, anchor="treatment", meds=meds)
    bars = [t for t in fig.data if t.type == "bar" and t.legendgroup == "ae"]
    x0 = {y: (base, width) for t in bars for y, base, width in zip(t.y, t.base, t.x)}
    assert set(x0) == {"Arthritis", "Nausea"}  # the unknown onset is not drawn
    assert x0["Arthritis"][0] == pytest.approx(0.0)  # from the first treatment, not from 1977 (-432 months)
    assert x0["Arthritis"][1] < 18  # to the last visit: months, not decades
    hover = [c for t in bars for c in t.customdata if c[0] == "NAUSEA"][0]
    assert hover[5] == "probable" and hover[6] == "ondansetron"  # relatedness; the medication taken at onset
    lanes = [t for t in fig.data if t.name == "Concomitant medication"]
    assert list(lanes[0].y) == ["℞ ondansetron"]
    assert "℞ ondansetron" in fig.layout.yaxis.categoryarray
    assert meds_at(aes.iloc[[1]], meds).tolist() == ["ondansetron"]


def test_lanes_band_by_arm():
    lanes = pd.DataFrame({"patient_id": ["A", "B", "C", "D"], "im_status": [None] * 4, "thal_months": [None] * 4,
                          "arm": ["Placebo", "Xanomeline High Dose", None, "Placebo"]})
    out = order_lanes(lanes, "patient_id", "arm")
    assert out["group"].tolist() == ["Placebo", "Placebo", "Xanomeline High Dose", "Arm not recorded"]
    assert out["group_n"].tolist() == [2, 2, 1, 1]
    assert out["y"].tolist() == [1, 2, 4, 6]  # a title row above each band
    assert order_lanes(lanes, "patient_id", False)["group"].unique().tolist() == ["All patients"]
    with pytest.raises(ValueError, match="group"):
        order_lanes(lanes, "patient_id", "site")


def test_the_card_never_says_thalidomide_for_a_patient_who_took_none():
    base = {"thal_start_date": None, "im_start_date": None, "diagnosis_date": None}
    assert age_label(pd.Series(base | {"thal_start_date": pd.Timestamp("2010-01-01")})) == "Age at thalidomide start"
    assert age_label(pd.Series(base | {"im_start_date": pd.Timestamp("2008-01-01")})) == "Age at imatinib start"
    assert age_label(pd.Series(base | {"diagnosis_date": pd.Timestamp("2007-01-01")})) == "Age at diagnosis"
    assert age_label(pd.Series(base)) == "Age at study entry"
    p = pd.Series({"arm": "Xanomeline High Dose", "actual_arm": "Xanomeline Low Dose", "died": True,
                   "death_date": pd.Timestamp("2013-08-02")})
    assert trial_note(p, None) == "Arm Xanomeline High Dose (treated: Xanomeline Low Dose)  \nDied 2013-08-02"
    assert trial_note(p, "P-001").endswith("Died")  # no calendar date in presentation mode


def test_safety_counts_unknown_onsets_and_splits_by_arm():
    lanes = pd.DataFrame({"patient_id": ["A", "B", "C"], "arm": ["Placebo", "Drug", "Drug"]})
    aes = pd.DataFrame({"patient_id": ["A", "B", "B", "C"], "term": ["x"] * 4, "meddra_pt": ["X"] * 4,
                        "ctcae_grade": [1, 3, 1, 2], "serious": [None, True, False, None],
                        "onset_date": [pd.Timestamp("2013-01-05"), None, pd.Timestamp("2012-01-01"),
                                       pd.Timestamp("2013-02-01")]})
    assert safety.onset_unknown(aes)["patient_id"].tolist() == ["B"]
    windows = pd.DataFrame({"start": pd.to_datetime(["2013-01-01", "2013-01-01"]),
                            "end": pd.to_datetime(["2013-12-31", "2013-12-31"])}, index=["A", "B"])
    emergent = safety.in_windows(aes, windows)
    assert emergent.index.tolist() == [0, 1]  # A in its window; B's unknown onset counted; B's 2012 one is not
    table = safety.by_arm(aes, lanes).set_index("arm")
    assert table.loc["Drug", ["patients", "with_event", "grade3plus", "serious"]].tolist() == [2, 2, 1, 1]
    assert table.loc["Placebo", "pct_event"] == 100


def test_endpoints_split_by_arm():
    lanes = pd.DataFrame({"patient_id": ["A", "B", "C", "D"], "arm": ["Placebo", "Drug", None, "Drug"]})
    rows = pd.DataFrame({"patient_id": ["A", "B", "C", "D"], "duration": [1.0, 2.0, 3.0, 4.0]})
    groups = outcomes.by_arm(rows, lanes)
    assert {k: g["patient_id"].tolist() for k, g in groups.items()} == {
        "Drug": ["B", "D"], "Placebo": ["A"], "Arm not recorded": ["C"]}
    assert list(outcomes.by_arm(rows, lanes.assign(arm=None))) == ["All"]
