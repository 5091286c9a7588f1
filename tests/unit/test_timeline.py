"""Response timeline derived from visits, loss confirmation rules per guideline, and milestone assessments."""

from __future__ import annotations

import datetime as dt

import pytest

from cmltrack.clinical.timeline import assess, derive_events

START = dt.date(2010, 1, 1)
CHR = dict(wbc=6.0, platelets=250.0, basophils_pct=1.0, spleen_cm=0.0, blasts_pct=0.0, immature_granulocytes_pct=0.0)
NO_CHR = dict(wbc=25.0, platelets=500.0, basophils_pct=7.0, spleen_cm=4.0, blasts_pct=2.0,
              immature_granulocytes_pct=4.0)
AP = dict(NO_CHR, blasts_pct=18.0)
BP = dict(NO_CHR, blasts_pct=35.0)


def visit(months: float, **values) -> dict:
    return dict(date=START + dt.timedelta(days=round(months * 30.4375)), **values)


def kinds(events) -> list[str]:
    return [k for _, k in events]


def test_chr_then_loss_single_count_eln2020_but_confirmed_in_eln2009():
    visits = [visit(0, **NO_CHR), visit(3, **CHR), visit(6, **NO_CHR), visit(7, **CHR)]
    assert kinds(derive_events(visits, "ELN2020")) == ["CHR", "LOSS_CHR", "CHR"]
    assert kinds(derive_events(visits, "ELN2009")) == ["CHR"]  # one count without CHR is not a confirmed loss
    confirmed = [*visits[:3], visit(6.5, **NO_CHR)]
    events = derive_events(confirmed, "ELN2009")
    assert kinds(events) == ["CHR", "LOSS_CHR"] and events[1][0] == confirmed[2]["date"]  # dated at the first


def test_immature_granulocytes_mean_no_chr():
    assert kinds(derive_events([visit(3, **dict(CHR, immature_granulocytes_pct=2.0))])) == []


def test_cytogenetic_responses_and_loss_of_ccyr():
    visits = [visit(3, ph_pos_pct=60, metaphases=20), visit(6, ph_pos_pct=30, metaphases=20),
              visit(12, ph_pos_pct=0, metaphases=25), visit(18, ph_pos_pct=5, metaphases=20),
              visit(24, ph_pos_pct=0, metaphases=20), visit(30, ph_pos_pct=0, metaphases=12)]
    assert kinds(derive_events(visits)) == ["PCYR", "CCYR", "LOSS_CCYR", "CCYR"]  # < 20 metaphases ignored


def test_loss_of_mmr_single_in_eln2020_confirmed_with_one_above_1pct_in_eln2013():
    base = [visit(3, bcr_abl1_is_pct=5.0), visit(12, bcr_abl1_is_pct=0.05), visit(15, bcr_abl1_is_pct=0.3)]
    assert kinds(derive_events(base, "ELN2020")) == ["MMR", "LOSS_MMR"]
    assert kinds(derive_events(base, "ELN2013")) == ["MMR"]  # one result > 0.1%: not confirmed
    both_below_1 = [*base, visit(18, bcr_abl1_is_pct=0.6)]
    assert kinds(derive_events(both_below_1, "ELN2013")) == ["MMR"]  # two > 0.1% but none >= 1%
    confirmed = [*base, visit(18, bcr_abl1_is_pct=1.0)]
    events = derive_events(confirmed, "ELN2013")
    assert kinds(events) == ["MMR", "LOSS_MMR"] and events[1][0] == base[2]["date"]
    back = [*base, visit(18, bcr_abl1_is_pct=0.08), visit(21, bcr_abl1_is_pct=2.0)]
    assert kinds(derive_events(back, "ELN2013")) == ["MMR"]  # the run of results > 0.1% was broken


def test_deep_molecular_response_and_undetectable_samples():
    visits = [visit(12, bcr_abl1_is_pct=0.005), visit(15, bcr_abl1_is_pct=0, abl1_copies=120_000),
              visit(18, bcr_abl1_is_pct=0, abl1_copies=4_000)]
    assert kinds(derive_events(visits)) == ["MMR", "MR4", "MR5"]


def test_progression_to_ap_and_bp_ignores_platelets_on_therapy():
    # 60 x10^9/L platelets on imatinib: drug cytopenia, not accelerated phase (ELN: "unrelated to therapy")
    visits = [visit(0, **NO_CHR), visit(3, **dict(CHR, platelets=60.0)), visit(6, **AP), visit(9, **BP)]
    events = derive_events(visits)
    assert sorted(kinds(events)) == sorted(["CHR", "LOSS_CHR", "PROG_AP", "PROG_BP"])
    assert dict((k, d) for d, k in events)["PROG_AP"] == visits[2]["date"]


def test_unknown_guideline():
    with pytest.raises(ValueError, match="guideline"):
        derive_events([], "ELN2006")


def test_assessment_at_each_milestone_and_latest():
    visits = [visit(3.1, bcr_abl1_is_pct=8.0, **CHR), visit(6, bcr_abl1_is_pct=3.0, ph_pos_pct=10, metaphases=20),
              visit(12, bcr_abl1_is_pct=0.5, ph_pos_pct=0, metaphases=20), visit(24, bcr_abl1_is_pct=0.05)]
    found = {a.milestone: a for a in assess(visits, START, "ELN2013")}
    assert {k: a.category for k, a in found.items()} == {"3": "optimal", "6": "warning", "12": "warning",
                                                        "latest": "optimal"}
    # the 12-month marrow is a year old and a later BCR::ABL1 <= 1% supersedes it: the latest uses BCR::ABL1 only
    assert found["latest"].ph_pos_pct is None and found["latest"].bcr_abl1_is_pct == 0.05
    assert found["6"].months == pytest.approx(6, abs=0.05)


def test_eln2020_failure_at_3_months_needs_confirmation():
    unconfirmed = [visit(3, bcr_abl1_is_pct=20.0), visit(6, bcr_abl1_is_pct=5.0)]
    confirmed = [visit(3, bcr_abl1_is_pct=20.0), visit(5, bcr_abl1_is_pct=15.0)]
    assert {a.milestone: a.category for a in assess(unconfirmed, START)}["3"] == "warning"
    assert {a.milestone: a.category for a in assess(confirmed, START)}["3"] == "failure"


def test_no_assessment_before_3_months_or_outside_the_window():
    assert assess([visit(1, bcr_abl1_is_pct=50.0)], START) == []
    found = assess([visit(4.8, bcr_abl1_is_pct=5.0)], START)
    assert [a.milestone for a in found] == ["latest"]  # 1.8 after 3 is outside, and 1.2 before 6 too
    found = assess([visit(5.4, bcr_abl1_is_pct=5.0)], START)
    assert [a.milestone for a in found] == ["6", "latest"]


def test_a_visit_without_the_rows_test_does_not_stop_the_assessment():
    # blood count only near 3 months: ELN 2020 milestones use BCR::ABL1 only, so no 3-month assessment
    assert [a.milestone for a in assess([visit(3, **CHR), visit(6, bcr_abl1_is_pct=0.5)], START)] == ["6", "latest"]
    # PCR only at 3 and 6 months: ELN 2009 uses CHR and marrow there
    assert assess([visit(3, bcr_abl1_is_pct=5.0), visit(6, bcr_abl1_is_pct=1.0)], START, "ELN2009") == []


def test_each_test_is_taken_nearest_its_milestone():
    visits = [visit(6.0, **CHR), visit(6.5, bcr_abl1_is_pct=25.0)]
    six = {a.milestone: a for a in assess(visits, START, "ELN2013")}["6"]
    assert six.category == "failure" and six.bcr_abl1_is_pct == 25.0 and six.chr is True
    early = [visit(1.6, bcr_abl1_is_pct=30.0), visit(4.4, bcr_abl1_is_pct=8.0)]
    three = {a.milestone: a for a in assess(early, START)}["3"]
    assert three.bcr_abl1_is_pct == 8.0 and three.category == "optimal"  # 1.6 is too early for 3 months


def test_latest_ignores_stale_results():
    visits = [visit(6, ph_pos_pct=20, metaphases=20), visit(36, bcr_abl1_is_pct=0.008)]
    latest = {a.milestone: a for a in assess(visits, START, "ELN2013")}["latest"]
    assert latest.category == "optimal" and latest.ph_pos_pct is None
    old_count = [visit(3, **NO_CHR), visit(40, bcr_abl1_is_pct=0.05)]
    latest = {a.milestone: a for a in assess(old_count, START, "ELN2013")}["latest"]
    assert latest.chr is None and latest.category == "optimal"


def test_confirmed_loss_of_mmr_is_failure_under_eln2013():
    visits = [visit(12, bcr_abl1_is_pct=0.05), visit(15, bcr_abl1_is_pct=0.5), visit(18, bcr_abl1_is_pct=1.0)]
    assert {a.milestone: a.category for a in assess(visits, START, "ELN2013")}["latest"] == "failure"
    assert {a.milestone: a.category for a in assess(visits, START, "ELN2020")}["latest"] == "warning"


def test_eln2013_loss_of_mmr_is_dated_at_the_first_test_of_the_confirming_pair():
    visits = [visit(9, bcr_abl1_is_pct=0.05), visit(12, bcr_abl1_is_pct=0.5), visit(15, bcr_abl1_is_pct=0.6),
              visit(18, bcr_abl1_is_pct=0.7), visit(21, bcr_abl1_is_pct=1.0)]
    loss = [d for d, k in derive_events(visits, "ELN2013") if k == "LOSS_MMR"]
    assert loss == [visits[3]["date"]]


def test_any_ph_positive_metaphase_is_a_loss_of_ccyr_but_a_response_needs_20():
    visits = [visit(12, ph_pos_pct=0, metaphases=20), visit(18, ph_pos_pct=10, metaphases=12)]
    assert kinds(derive_events(visits)) == ["CCYR", "LOSS_CCYR"]
    assert kinds(derive_events([visit(12, ph_pos_pct=0, metaphases=None)])) == []


def test_visit_order_does_not_matter():
    visits = [visit(3, bcr_abl1_is_pct=5.0), visit(12, bcr_abl1_is_pct=0.05), visit(15, bcr_abl1_is_pct=0.3)]
    assert derive_events(list(reversed(visits))) == derive_events(visits)


def test_a_count_without_differential_cannot_show_chr():
    no_diff = {k: v for k, v in CHR.items() if k != "immature_granulocytes_pct"}
    assert kinds(derive_events([visit(3, **no_diff)])) == []
