"""ELN 2020 monitoring schedule and treatment-free remission rules at their boundaries (Hochhaus, Leukemia
2020;34:966: "Monitoring response"; "Treatment-free remission" and Table 7)."""

from __future__ import annotations

import datetime as dt

import pytest

from cmltrack.clinical import monitoring, tfr

D = dt.date


@pytest.mark.parametrize(("tfr_month", "interval"), [
    (0.0, 1.0), (5.99, 1.0),  # monthly for the first 6 months
    (6.0, 2.0), (11.99, 2.0),  # every 2 months in months 7-12
    (12.0, 3.0), (60.0, 3.0),  # every 3 months thereafter
])
def test_tfr_schedule_at_its_boundaries(tfr_month, interval):
    assert monitoring.tfr_interval_months(tfr_month) == interval


@pytest.mark.parametrize("bad", [-0.1, float("nan"), None])
def test_tfr_month_must_be_a_month(bad):
    with pytest.raises(ValueError, match="tfr_month"):
        monitoring.tfr_interval_months(bad)


def test_on_tki_every_3_months_until_mmr_then_at_most_6():
    assert monitoring.pcr_interval_months(in_mmr=False) == 3.0
    assert monitoring.pcr_interval_months(in_mmr=True) == 6.0
    with pytest.raises(ValueError, match="in_mmr"):
        monitoring.pcr_interval_months(in_mmr=None)


def test_due_dates_and_days_overdue():
    last = D(2024, 1, 1)
    due = monitoring.pcr_due(last, in_mmr=False)
    assert due == D(2024, 4, 1)  # 3 x 30.4375 = 91.3 -> 91 days
    assert monitoring.days_overdue(due, D(2024, 4, 1)) == 0  # due that day: not yet overdue
    assert monitoring.days_overdue(due, D(2024, 4, 2)) == 1
    assert monitoring.pcr_due(last, in_mmr=True) == D(2024, 7, 2)  # 6 x 30.4375 = 182.6 -> 183 days


def test_due_dates_in_treatment_free_remission():
    stop = D(2024, 1, 1)
    assert monitoring.pcr_due(D(2023, 12, 1), in_mmr=True, tfr_start=stop) == D(2024, 1, 31)  # first, a month after
    assert monitoring.pcr_due(D(2024, 5, 1), in_mmr=True, tfr_start=stop) == D(2024, 5, 31)  # month 4: monthly
    assert monitoring.pcr_due(D(2024, 7, 2), in_mmr=True, tfr_start=stop) == D(2024, 9, 1)  # month 6.0: 2 months
    assert monitoring.pcr_due(D(2025, 1, 1), in_mmr=True, tfr_start=stop) == D(2025, 4, 2)  # month 12: 3 months


def _eligible(**changes):
    args = dict(first_chronic_phase=True, tki_line=1, changed_for_intolerance_only=None, prior_failure=False,
                typical_transcript=True, tki_years=6.0, second_generation=False, dmr_years=3.5, mr45_years=0.0)
    return tfr.eligibility(**{**args, **changes})


def test_a_patient_meeting_every_requirement_is_recommended():
    assert _eligible().status == tfr.RECOMMENDED
    assert not _eligible().failed and not _eligible().unknown


@pytest.mark.parametrize(("years", "second_generation", "status"), [
    (5.0, False, tfr.NOT_ELIGIBLE), (5.01, False, tfr.RECOMMENDED),  # imatinib: > 5 years
    (4.0, True, tfr.NOT_ELIGIBLE), (4.01, True, tfr.CANDIDATE),  # 2G-TKI: > 4 years minimal, > 5 optimal
])
def test_time_on_tki(years, second_generation, status):
    assert _eligible(tki_years=years, second_generation=second_generation).status == status


@pytest.mark.parametrize(("dmr", "mr45", "status"), [
    (2.0, 0.0, tfr.NOT_ELIGIBLE), (2.01, 0.0, tfr.CANDIDATE),  # MR4 > 2 years: stop allowed
    (3.0, 0.0, tfr.CANDIDATE), (3.01, 0.0, tfr.RECOMMENDED),  # MR4 > 3 years: optimal
    (2.5, 2.0, tfr.CANDIDATE), (2.5, 2.01, tfr.RECOMMENDED),  # MR4.5 > 2 years: optimal
])
def test_duration_of_deep_molecular_response(dmr, mr45, status):
    assert _eligible(dmr_years=dmr, mr45_years=mr45).status == status


def test_line_of_therapy_and_failure():
    assert _eligible(tki_line=2, changed_for_intolerance_only=True).status == tfr.RECOMMENDED
    assert _eligible(tki_line=2, changed_for_intolerance_only=False).status == tfr.NOT_ELIGIBLE
    assert _eligible(tki_line=3, changed_for_intolerance_only=True).status == tfr.NOT_ELIGIBLE
    assert _eligible(prior_failure=True).status == tfr.NOT_ELIGIBLE
    assert _eligible(first_chronic_phase=False).status == tfr.NOT_ELIGIBLE
    with pytest.raises(ValueError, match="tki_line"):
        _eligible(tki_line=0)


def test_what_the_data_cannot_tell_is_unknown_not_assumed():
    result = _eligible(typical_transcript=None)
    assert result.status == tfr.RECOMMENDED and result.unknown == ("typical e13a2 or e14a2 transcript",)
    assert _eligible(dmr_years=None, mr45_years=None).status == tfr.UNKNOWN
    assert _eligible(tki_years=None).status == tfr.UNKNOWN
    assert _eligible(tki_years=None, prior_failure=True).status == tfr.NOT_ELIGIBLE  # a known failure still ends it


def test_sustained_deep_response_is_the_unbroken_run_to_the_last_test():
    results = [(D(2018, 1, 1), "MR4"), (D(2018, 4, 1), None), (D(2018, 7, 1), "MR4"), (D(2019, 1, 1), "MR4.5"),
               (D(2019, 7, 1), "MR5")]
    assert tfr.sustained_since(results, "MR4") == D(2018, 7, 1)  # the loss in April 2018 broke the first run
    assert tfr.sustained_since(results, "MR4.5") == D(2019, 1, 1)
    assert tfr.sustained_since([*results, (D(2020, 1, 1), "MMR")], "MR4") is None  # MMR is not deep
    assert tfr.sustained_since([], "MR4") is None
    assert tfr.years_between(D(2018, 7, 1), D(2020, 7, 1)) == pytest.approx(2.0, abs=0.003)


@pytest.mark.parametrize(("value", "recurrence"), [(0.1, False), (0.1001, True), (0.0, False), (5.0, True)])
def test_molecular_recurrence_is_loss_of_mmr(value, recurrence):
    assert tfr.molecular_recurrence(value) is recurrence
