"""Treatment-free remission as a course: the stop reason as imported, the derived course (molecular recurrence =
loss of MMR, BCR::ABL1 > 0.1% IS, ELN 2020 (Hochhaus, Leukemia 2020;34:966, "Treatment-free remission"); restart),
the Kaplan-Meier durations of the Outcomes curve, and its shade on the swimmer and the patient course."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cmltrack.analysis.outcomes import median_time, tfr_durations
from cmltrack.clinical.tfr import TFR_REASON, is_tfr_stop, stored_reason
from cmltrack.db import queries as q
from cmltrack.db.filters import CohortFilter
from cmltrack.derive.tfr import tfr_courses
from cmltrack.figures import tfr as tfr_layer
from cmltrack.figures.patient import build_patient_timeline
from cmltrack.figures.swimmer import build_swimmer, order_lanes

D = dt.date


@pytest.mark.parametrize(("reason", "tfr"), [
    ("TFR", True), ("treatment-free remission", True), ("Stopped for treatment free remission", True),
    ("TFR attempt (DMR 3 years)", True), ("intolerance", False), ("TFRX", False), (None, False),
])
def test_every_spelling_of_a_stop_for_tfr_is_known(reason, tfr):
    assert is_tfr_stop(reason) is tfr
    assert stored_reason(reason) == (TFR_REASON if tfr else reason)


def _frames(segments: list[tuple], results: list[tuple[str, float]]) -> dict[str, pd.DataFrame]:
    treatments = pd.DataFrame(segments, columns=["drug", "start_date", "end_date", "reason_stopped"]).assign(
        patient_id="P1", dose_mg=400.0)
    labs = pd.DataFrame(results, columns=["date", "bcr_abl1_is_pct"]).assign(patient_id="P1")
    return {"treatments": treatments, "labs": labs.assign(date=pd.to_datetime(labs["date"]).dt.date)}


def test_a_course_with_loss_of_mmr_and_restart():
    frames = _frames([("imatinib", D(2015, 1, 1), D(2021, 1, 31), "TFR"), ("imatinib", D(2021, 9, 1), None, None)],
                     [("2021-03-01", 0.0), ("2021-05-01", 0.1), ("2021-07-01", 0.1001), ("2021-08-01", 0.5),
                      ("2021-10-01", 2.0)])
    course = tfr_courses(frames).iloc[0]
    assert course["start_date"] == D(2021, 2, 1)  # the first day off the TKI
    assert course["recurrence_date"] == D(2021, 7, 1) and course["recurrence_pct"] == 0.1001  # 0.1% is still MMR
    assert course["restart_date"] == D(2021, 9, 1) and course["restart_drug"] == "imatinib"


def test_still_in_tfr_and_not_a_tfr_stop():
    still = tfr_courses(_frames([("imatinib", D(2015, 1, 1), D(2021, 1, 31), "TFR")], [("2021-03-01", 0.01)]))
    assert still[["recurrence_date", "restart_date"]].iloc[0].tolist() == [None, None]
    assert tfr_courses(_frames([("imatinib", D(2015, 1, 1), D(2021, 1, 31), "intolerance")], [])).empty
    # taken again the next day (a dose change recorded as a stop): no remission
    assert tfr_courses(_frames([("imatinib", D(2015, 1, 1), D(2021, 1, 31), "TFR"),
                                ("imatinib", D(2021, 2, 1), None, None)], [])).empty


def _courses() -> pd.DataFrame:
    return pd.DataFrame({
        "patient_id": ["A", "B", "C"], "drug": "imatinib",
        "start_date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-01"]),
        "recurrence_date": pd.to_datetime(["2020-07-01", None, None]), "recurrence_pct": [0.3, None, None],
        "restart_date": pd.to_datetime(["2020-08-01", "2020-04-01", None]), "restart_drug": ["imatinib", "x", None],
        "last_visit_date": pd.to_datetime(["2021-01-01", "2021-01-01", "2022-01-01"])})


def test_tfr_ends_at_loss_of_mmr_or_restart_else_censored_at_the_last_visit():
    got = tfr_durations(_courses())
    assert got["ended_by"].tolist() == ["loss of MMR", "restart", "still in TFR"]
    assert got["event"].tolist() == [1, 1, 0]
    assert got["duration"].round(2).tolist() == [5.98, 2.99, 24.02]  # months of 30.4375 days
    assert median_time(got) == pytest.approx(5.98, abs=0.01)  # the estimate falls to 1/3 at 5.98 months
    assert median_time(got.assign(event=0)) is None  # nobody ended it: median not reached


def _course_of(pid: str) -> pd.DataFrame:
    """A TFR course of ``pid`` from 2012-03-01 (a month after the demo's thalidomide starts), still running."""
    return _courses().iloc[[2]].assign(patient_id=pid, start_date=pd.to_datetime(["2012-03-01"]),
                                       last_visit_date=pd.to_datetime(["2012-08-01"]))


def test_the_swimmer_draws_the_tfr_period_on_the_tki_row(con):
    lanes = order_lanes(q.cohort_lanes(con, CohortFilter()), "thal_months", True)
    ids = lanes["patient_id"].tolist()
    segments, events = q.treatments_for(con, ids), q.events_for(con, ids)
    pid = "CML-03"
    without = build_swimmer(lanes, segments, events)
    fig = build_swimmer(lanes, segments, events, tfr=_course_of(pid))
    bars = [t for t in fig.data if t.name == tfr_layer.LABEL]
    assert len(bars) == 1 and not [t for t in without.data if t.name == tfr_layer.LABEL]
    thal = pd.Timestamp(lanes.loc[lanes["patient_id"] == pid, "thal_start_date"].iloc[0])
    assert bars[0].base[0] == pytest.approx((pd.Timestamp("2012-03-01") - thal).days / 30.4375, abs=0.01)
    assert bars[0].customdata[0][0] == pid and "no loss of MMR; still off TKI at the last visit" in \
        bars[0].customdata[0][2]


def test_the_patient_course_shades_tfr_in_its_own_colour(con):
    pid = "CML-03"
    args = (q.patient(con, pid).iloc[0], q.treatments_for(con, [pid]), q.labs_for(con, [pid]),
            q.events_for(con, [pid]), q.adverse_events_for(con, [pid]))
    fig = build_patient_timeline(*args, tfr=_course_of(pid))
    assert [s for s in fig.layout.shapes if s.fillcolor == tfr_layer.SHADE]
    assert any(t.name == tfr_layer.LABEL for t in fig.data)
    assert not [s for s in build_patient_timeline(*args).layout.shapes if s.fillcolor == tfr_layer.SHADE]
