"""The clinic worklist (cmltrack.analysis.worklist) on both sides of each rule's boundary, with the numbers of ELN 2020
(Hochhaus, Leukemia 2020;34:966: "Monitoring response", every 3 months until MMR then every 3-6 months; TFR
monthly to month 6, every 2 months to month 12, then every 3 months; Table 7, TFR requirements) and CTCAE v5.0;
with the facts it is built from (the SQL side: test_worklist_queries.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cmltrack.analysis import worklist as wl
from cmltrack.clinical import monitoring
from cmltrack.clinical.responses import molecular

D = dt.date
T = pd.Timestamp


def _facts(**columns) -> pd.DataFrame:
    """One patient on imatinib since 2020-01-01, last BCR::ABL1 1% on 2024-01-01; ``columns`` change it."""
    row = dict(patient_id="P1", phase_at_diagnosis="CP", im_status="intolerant", line_start=T("2020-01-01"),
               on_tki=True, current_tki="imatinib", tki_days=1461, tki_count=1, first_tki="imatinib",
               tfr_start=pd.NaT, tfr_recurrence=pd.NaT, tfr_restart=pd.NaT, last_pcr_date=T("2024-01-01"),
               last_pcr_pct=1.0, last_pcr_copies=50_000.0, mr4_since=pd.NaT, mr45_since=pd.NaT, tested_3=True,
               tested_6=True, tested_12=True, eln_latest=None, eln_latest_date=pd.NaT, eln_latest_months=np.nan,
               before_pct=np.nan, before_months=np.nan, prior_failure=False, assessed=True, progressed=False,
               count_date=T("2024-01-01"), wbc=6.0, neutrophils=3.0, platelets=200.0, hb=130.0)
    row.update(columns)
    return pd.DataFrame([row])


NEWS = pd.DataFrame(columns=["patient_id", "date", "kind", "detail"])


def _build(as_of: dt.date, **columns) -> pd.DataFrame:
    return wl.build(_facts(**columns), NEWS, as_of, as_of - dt.timedelta(days=91))


@pytest.mark.parametrize(("as_of", "overdue"), [(D(2024, 4, 1), None), (D(2024, 4, 2), 1)])
def test_bcr_abl1_every_3_months_until_mmr(as_of, overdue):
    # 3 months of 30.4375 days after 2024-01-01 is 2024-04-01: due that day, overdue the next
    got = _build(as_of)
    assert (got.empty if overdue is None else got["days_overdue"].tolist() == [overdue] and bool(got["pcr"].iloc[0]))


@pytest.mark.parametrize(("as_of", "overdue"), [(D(2024, 7, 2), None), (D(2024, 7, 3), 1)])
def test_in_mmr_overdue_only_past_6_months(as_of, overdue):
    got = _build(as_of, last_pcr_pct=0.1)  # 0.1% IS is MMR (<= 0.1%); due 183 days later
    assert got.empty if overdue is None else got["days_overdue"].tolist() == [overdue]
    assert _build(D(2024, 4, 2), last_pcr_pct=0.1001)["pcr"].tolist() == [True]  # just above: every 3 months


@pytest.mark.parametrize(("last", "as_of", "listed"), [
    (D(2024, 5, 1), D(2024, 5, 31), False), (D(2024, 5, 1), D(2024, 6, 1), True),  # TFR month 4: monthly
    (D(2024, 7, 2), D(2024, 9, 1), False), (D(2024, 7, 2), D(2024, 9, 2), True),  # month 6.0: every 2 months
    (D(2025, 1, 1), D(2025, 4, 2), False), (D(2025, 1, 1), D(2025, 4, 3), True),  # month 12: every 3 months
])
def test_treatment_free_remission_schedule(last, as_of, listed):
    got = _build(as_of, on_tki=False, current_tki=None, tfr_start=T("2024-01-01"), last_pcr_date=T(last),
                 last_pcr_pct=0.0, last_pcr_copies=40_000.0)
    assert bool(len(got)) is listed
    if listed:
        assert got["days_overdue"].tolist() == [1] and got["status"].iloc[0].startswith("In TFR, month ")


def test_no_test_since_the_tki_stop_is_due_a_month_after_it():
    args = dict(on_tki=False, current_tki=None, tfr_start=T("2024-01-01"), last_pcr_date=T("2023-12-01"),
                last_pcr_pct=0.0, last_pcr_copies=40_000.0)
    assert _build(D(2024, 1, 31), **args).empty
    assert _build(D(2024, 2, 1), **args)["days_overdue"].tolist() == [1]


def test_vectorised_schedule_is_the_scalar_rule():
    rng = np.random.default_rng(0)
    last = pd.Series(pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, 400), unit="D"))
    mmr = pd.Series(rng.random(400) < 0.5)
    stop = pd.Series(pd.to_datetime("2021-01-01") + pd.to_timedelta(rng.integers(0, 900, 400), unit="D"))
    stop = stop.where(rng.random(400) < 0.5)
    got = wl.pcr_due_dates(last, mmr, stop)
    want = [monitoring.pcr_due(a.date(), bool(m), None if pd.isna(s) else s.date()) for a, m, s in zip(last, mmr, stop)]
    assert [d.date() for d in got] == want


@pytest.mark.parametrize(("pct", "copies"), [(0.1, 1.0), (0.1001, 1.0), (0.01, 1.0), (0.0032, 1.0), (0.0033, 1.0),
                                             (0.001, 1.0), (0.0, 9_999.0), (0.0, 10_000.0), (0.0, 32_000.0),
                                             (0.0, 100_000.0), (5.0, np.nan)])
def test_vectorised_depth_is_the_scalar_rule(pct, copies):
    got = wl.molecular_levels(pd.Series([pct]), pd.Series([copies])).iloc[0]
    assert got == molecular(pct, None if np.isnan(copies) else int(copies))


@pytest.mark.parametrize(("as_of", "tested", "listed"), [
    (D(2020, 4, 1), False, False),  # 2.99 months on the line: the 3-month milestone not reached
    (D(2020, 4, 2), False, True),  # 3.02 months, no classifying result: listed
    (D(2020, 4, 2), True, False),  # tested: nothing to do
])
def test_milestone_reached_without_its_test(as_of, tested, listed):
    got = _build(as_of, last_pcr_date=pd.NaT, last_pcr_pct=np.nan, tested_3=tested, tested_6=False,
                 tested_12=False)
    assert ("3-month milestone without BCR::ABL1" in "".join(got["reasons"])) is listed


@pytest.mark.parametrize(("dmr_days", "tki_days", "status"), [
    (730, 2000, None), (735, 2000, "candidate"),  # MR4 for 2.0 years: not yet; 2.01: stop allowed (> 2 years)
    (800, 1826, None), (800, 1830, "candidate"),  # imatinib > 5 years (1826.25 days)
    (1100, 2000, "recommended"),  # MR4 > 3 years and > 5 years of TKI: optimal
])
def test_tfr_candidates_by_table_7(dmr_days, tki_days, status):
    last = T("2025-01-01")
    got = _build(D(2025, 1, 2), last_pcr_date=last, last_pcr_pct=0.005, mr4_since=last - pd.Timedelta(days=dmr_days),
                 tki_days=tki_days, line_start=T("2019-01-01"))
    text = "".join(got["reasons"])
    if status is None:
        assert "TFR" not in text
    else:
        assert bool(got["tfr"].iloc[0]) and f"TFR {status} (ELN 2020 Table 7)" in text
        assert "unknown from the data: typical e13a2 or e14a2 transcript" in text  # never assumed


def test_a_prior_failure_or_resistance_is_never_a_tfr_candidate():
    args = dict(last_pcr_date=T("2025-01-01"), last_pcr_pct=0.005, mr4_since=T("2021-01-01"), tki_days=2200)
    assert _build(D(2025, 1, 2), **args)["tfr"].tolist() == [True]
    assert _build(D(2025, 1, 2), prior_failure=True, **args).empty
    assert _build(D(2025, 1, 2), im_status="resistant", tki_count=2, first_tki="imatinib",
                  current_tki="nilotinib", **args).empty


@pytest.mark.parametrize(("column", "value", "grade"), [
    ("platelets", 50.0, None), ("platelets", 49.9, 3), ("platelets", 24.9, 4),  # CTCAE: < 50 grade 3, < 25 grade 4
    ("neutrophils", 1.0, None), ("neutrophils", 0.99, 3),  # < 1.0 x10^9/L grade 3
    ("hb", 80.0, None), ("hb", 79.9, 3),  # < 80 g/L grade 3
    ("wbc", 2.0, None), ("wbc", 1.99, 3),  # < 2.0 x10^9/L grade 3
])
def test_blood_count_grade_3_or_worse_at_the_last_visit(column, value, grade):
    got = _build(D(2024, 1, 2), **{column: value})
    if grade is None:
        assert got.empty
    else:
        assert got["cytopenia"].tolist() == [True] and f"CTCAE grade {grade} " in got["reasons"].iloc[0]


def test_news_since_a_date_and_one_row_per_patient_with_every_reason():
    news = pd.DataFrame({"patient_id": ["P1", "P1"], "date": [T("2024-03-01")] * 2, "kind": ["ELN", "MUTATION"],
                         "detail": ["6:failure", "T315I"]})
    got = wl.build(_facts(platelets=20.0), news, D(2024, 4, 2), D(2024, 2, 1))
    assert len(got) == 1 and got[["pcr", "news", "cytopenia", "milestone", "tfr"]].iloc[0].tolist() == [
        True, True, True, False, False]
    assert got["reasons"].iloc[0].split("; ") == [
        "BCR::ABL1 overdue by 1 day (every 3 months until MMR)", "6-month failure (ELN 2020)", "mutation T315I",
        "CTCAE grade 4 platelet count decreased (20) at the last blood count"]


def test_nobody_gives_an_empty_worklist_with_its_columns():
    assert list(wl.build(_facts().iloc[0:0], NEWS, D(2024, 1, 1), D(2023, 10, 1)).columns) == list(wl.COLUMNS)
    assert _build(D(2024, 1, 2)).empty  # tested the day before: nothing due


def test_as_of_is_today_except_for_fictitious_cohorts():
    end, today = D(2012, 8, 1), D(2026, 12, 3)
    assert wl.default_as_of("demo cohort (ASH 2012 abstract)", end, today) == (end, True)
    assert wl.default_as_of("synthetic cohort (n=100, seed=0)", end, today) == (end, True)
    assert wl.default_as_of("import 2026-11-01", end, today) == (today, False)


def test_under_follow_up_on_both_sides_of_twelve_months():
    as_of = D(2023, 12, 18)  # followed from 2022-12-18 (clinical.monitoring.FOLLOW_UP_MONTHS = 12)
    assert wl.under_follow_up(D(2022, 12, 18), as_of) and not wl.under_follow_up(D(2022, 12, 17), as_of)
    assert wl.under_follow_up(None, as_of)  # never seen: not judged
