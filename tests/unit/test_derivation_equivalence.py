"""The vectorised derivation (issue 17) derives exactly what the per-patient one did: every derived response, ELN
assessment and patient_summary row, on the demo cohort and on a 5,000-patient synthetic cohort roughened to reach
every rule (progression, marrows of < 20 metaphases, FISH, undetectable BCR::ABL1, missing differentials, same-day
visits, mutations and karyotypes).

The reference is the old code itself, kept in tests/reference (a stored fingerprint could not follow a change of
the synthetic generator, and could not check the random visit sequences below)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tests.reference.derive_before_17 as before
import tests.reference.timeline_before_17 as timeline_before
from cmltrack import derive
from cmltrack.clinical import timeline
from cmltrack.clinical.genetics import Finding
from cmltrack.clinical.milestones import GUIDELINES
from cmltrack.clinical.visits import COLUMNS
from cmltrack.cohorts.demo import demo_frames
from cmltrack.cohorts.synthetic import synthetic_frames
from cmltrack.db.store import TABLES, empty_frame, with_plain_dates

MUTATIONS = ("T315I", "F317L", "none detected")
FINDINGS = ("+8", "i(17q)", "-7/7q-", "+Ph", "t(5;12)", "none", "complex")


def roughened(frames: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """The cohort with values at and around every threshold the rules read, and genetic findings."""
    rng = np.random.default_rng(seed)
    labs = frames["labs"].copy()
    n = len(labs)

    def some(share: float) -> np.ndarray:
        return rng.random(n) < share

    rows = some(0.04)
    labs.loc[rows, "blasts_pct"] = rng.choice([10.0, 14.9, 15.0, 29.9, 30.0, 35.0], rows.sum())
    rows = some(0.02)
    labs.loc[rows, "basophils_pct"] = rng.choice([4.9, 5.0, 19.9, 20.0], rows.sum())
    rows = some(0.02)
    labs.loc[rows, "promyelocytes_pct"] = rng.choice([5.0, 16.0, 25.0], rows.sum())
    for column in ("immature_granulocytes_pct", "spleen_cm", "basophils_pct", "blasts_pct", "promyelocytes_pct"):
        labs.loc[some(0.02), column] = np.nan
    rows = some(0.03)
    labs.loc[rows, "wbc"] = rng.choice([9.9, 10.0], rows.sum())
    rows = some(0.03)
    labs.loc[rows, "platelets"] = rng.choice([449.0, 450.0, 80.0], rows.sum())
    marrow = labs["ph_pos_pct"].notna().to_numpy()
    rows = marrow & some(0.15)
    labs.loc[rows, "metaphases"] = rng.choice([0.0, 10.0, 19.0, 20.0, 25.0], rows.sum())
    rows = marrow & some(0.1)
    labs.loc[rows, "ph_pos_pct"] = rng.choice([0.0, 1.0, 35.0, 36.0, 65.0, 95.0, 96.0], rows.sum())
    rows = some(0.05)
    labs.loc[rows, "fish_pct"] = rng.choice([0.0, 0.5, 0.99, 1.0, 3.0], rows.sum())
    labs.loc[rows, "fish_nuclei"] = rng.choice([150.0, 199.0, 200.0, 500.0], rows.sum())
    rows = some(0.05)
    labs.loc[rows, "bcr_abl1_is_pct"] = rng.choice([0.0, 0.001, 0.0032, 0.01, 0.1, 0.5, 1.0, 10.0, 12.0], rows.sum())
    rows = some(0.05)
    labs.loc[rows, "abl1_copies"] = rng.choice([5_000, 9_999, 10_000, 32_000, 100_000], rows.sum())
    labs.loc[some(0.03), "bcr_abl1_is_pct"] = np.nan
    rows = some(0.01)  # a second visit on the same day
    labs = pd.concat([labs, labs[rows].assign(bcr_abl1_is_pct=rng.choice([0.05, 2.0], rows.sum()))],
                     ignore_index=True)
    ids = frames["patients"]["patient_id"].to_numpy()
    with_genetics = ids[rng.random(len(ids)) < 0.15]
    visits = labs[labs["patient_id"].isin(with_genetics)].sample(frac=0.1, random_state=seed)
    mutations = pd.DataFrame({"patient_id": visits["patient_id"], "date": visits["date"], "method": "NGS",
                              "mutation": rng.choice(MUTATIONS, len(visits))})
    karyotypes = labs[labs["patient_id"].isin(with_genetics)].sample(frac=0.1, random_state=seed + 1)
    karyotypes = pd.DataFrame({"patient_id": karyotypes["patient_id"], "date": karyotypes["date"],
                               "finding": rng.choice(FINDINGS, len(karyotypes)),
                               "ph_positive": rng.random(len(karyotypes)) < 0.8})
    return dict(frames, labs=labs, mutations=mutations, karyotypes=karyotypes)


def _plain(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {t: with_plain_dates(frames.get(t, empty_frame(t))) for t in TABLES}


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows as plain values (None for every kind of missing), in one order: compared value by value."""
    out = frame.astype(object).where(frame.notna(), None)
    return out.sort_values(list(out.columns), key=lambda c: c.map(repr)).reset_index(drop=True)


def _same(old: pd.DataFrame, new: pd.DataFrame) -> None:
    old, new = _rows(old), _rows(new)
    assert list(old.columns) == list(new.columns)
    if not old.equals(new):
        both = old.merge(new, how="outer", indicator=True)
        pytest.fail(f"{len(old)} rows before, {len(new)} now; differing rows:\n"
                    f"{both[both['_merge'] != 'both'].head(20).to_string()}")


@pytest.fixture(scope="module", params=["demo", "synthetic 5000"])
def cohort(request) -> dict[str, pd.DataFrame]:
    if request.param == "demo":
        return _plain(demo_frames())
    return _plain(roughened(synthetic_frames(5000, seed=0), seed=1))


@pytest.fixture(scope="module")
def derived(cohort) -> tuple[pd.DataFrame, pd.DataFrame]:
    return derive.derived_responses_and_assessments(cohort)


def test_every_derived_row_is_what_the_per_patient_derivation_gave(cohort, derived, monkeypatch):
    monkeypatch.setattr(before, "PARALLEL_FROM", 10**9)  # the reference in this process (it gave the same there)
    old_events, old_assessments = before.derived_responses_and_assessments(cohort)
    events, assessments = derived
    assert len(events) > 0 and len(assessments) > 0
    assert set(assessments["guideline"]) == set(GUIDELINES)
    _same(old_events, events)
    _same(old_assessments, assessments)
    responses = pd.concat([cohort["responses"].assign(source="recorded", guideline="none"), events],
                          ignore_index=True)
    old_summary = before.patient_summary(cohort, responses)
    summary = derive.patient_summary(cohort, responses)
    pd.testing.assert_frame_equal(old_summary, summary)


def test_the_roughened_cohort_reaches_the_rules_it_is_meant_to_check(cohort, derived):
    """The cohort above must produce every kind of event and category, else the comparison would miss whole
    rules."""
    events, assessments = derived
    if len(cohort["patients"]) < 100:
        return  # the demo cohort is what it is
    per = events.groupby("guideline")["kind"].agg(set)
    for guideline in GUIDELINES:
        assert {"CHR", "LOSS_CHR", "PCYR", "CCYR", "LOSS_CCYR", "MMR", "MR4", "MR4.5", "MR5", "LOSS_MMR",
                "PROG_AP", "PROG_BP"} <= per[guideline], guideline
    assert set(assessments["category"]) == {"optimal", "warning", "suboptimal", "failure"}


def test_deriving_only_some_patients_gives_their_rows_of_the_whole_derivation(cohort, derived):
    """What an import adding patients derives: their rows alone, as the whole registry's derivation gives them, and
    nothing read from the other patients (a value the rules refuse elsewhere does not stop it)."""
    ids = cohort["patients"]["patient_id"].to_numpy()
    some = list(ids[:: max(2, len(ids) // 21)][:21])
    labs = cohort["labs"].copy()
    labs.loc[~labs["patient_id"].isin(some), "bcr_abl1_is_pct"] = 5000.0  # refused by responses.molecular
    broken = dict(cohort, labs=labs)
    with pytest.raises(ValueError, match="bcr_abl1_is_pct"):
        derive.derived_tables(broken)
    part = derive.derived_tables(broken, some)
    whole = derive.derived_tables(cohort)
    events, assessments = derived
    assert set(part["patient_summary"]["patient_id"]) == set(some)
    for name, rows in part.items():
        assert set(rows["patient_id"]) <= set(some), name
        expected = whole[name][whole[name]["patient_id"].isin(some)]
        if name == "patient_summary":
            pd.testing.assert_frame_equal(rows.reset_index(drop=True), expected.reset_index(drop=True))
        else:
            _same(expected, rows)
    assert len(part["eln_assessments"]) == assessments["patient_id"].isin(some).sum() > 0


# -- one patient at a time, random visit sequences (timeline.derive_events and timeline.assess) --------------------

START = dt.date(2010, 1, 1)
_value = st.one_of(st.none(), st.sampled_from([0.0, 0.5, 1.0, 4.9, 5.0, 9.9, 10.0, 12.0, 15.0, 19.9, 20.0, 29.9,
                                                30.0, 35.0, 36.0, 65.0, 95.0, 96.0, 100.0]))
_visit = st.fixed_dictionaries({
    "day": st.integers(-60, 1200),
    "wbc": st.one_of(st.none(), st.sampled_from([5.0, 9.9, 10.0, 30.0])),
    "platelets": st.one_of(st.none(), st.sampled_from([80.0, 300.0, 449.0, 450.0])),
    "basophils_pct": _value, "blasts_pct": _value, "promyelocytes_pct": _value,
    "spleen_cm": st.one_of(st.none(), st.sampled_from([0.0, 3.0])),
    "immature_granulocytes_pct": st.one_of(st.none(), st.sampled_from([0.0, 2.0])),
    "ph_pos_pct": _value, "metaphases": st.one_of(st.none(), st.sampled_from([5, 19, 20, 30])),
    "fish_pct": st.one_of(st.none(), st.sampled_from([0.5, 0.99, 1.0, 5.0])),
    "fish_nuclei": st.one_of(st.none(), st.sampled_from([199, 200, 400])),
    "bcr_abl1_is_pct": st.one_of(st.none(), st.sampled_from([0.0, 0.0005, 0.001, 0.0032, 0.005, 0.01, 0.05, 0.1,
                                                              0.3, 0.9, 1.0, 5.0, 10.0, 10.5, 40.0])),
    "abl1_copies": st.one_of(st.none(), st.sampled_from([5_000, 10_000, 32_000, 100_000])),
})
_finding = st.tuples(st.integers(0, 1200), st.sampled_from(["mutation", "karyotype"]),
                     st.sampled_from(MUTATIONS[:2] + ("NONE",) + FINDINGS), st.booleans())


def _through_derive(visits: list[dict], genetics: list[Finding], guideline: str) -> tuple[list, list]:
    """One patient's events and assessments the way a registry write derives them (cmltrack.derive)."""
    labs = pd.DataFrame(visits, columns=["date", *COLUMNS]).assign(patient_id="P")
    mutations = pd.DataFrame([(f.date, f.value) for f in genetics if f.test == "mutation"],
                             columns=["date", "mutation"])
    karyotypes = pd.DataFrame([(f.date, f.value, f.ph_positive) for f in genetics if f.test == "karyotype"],
                              columns=["date", "finding", "ph_positive"])
    frames = {"patients": pd.DataFrame({"patient_id": ["P"]}), "labs": labs,
              "treatments": pd.DataFrame({"patient_id": ["P"], "drug": ["imatinib"], "start_date": [START]}),
              "mutations": mutations.assign(patient_id="P"), "karyotypes": karyotypes.assign(patient_id="P")}
    events, assessments = derive.derived_responses_and_assessments(frames)
    events = events[events["guideline"] == guideline]
    assessments = assessments[assessments["guideline"] == guideline]
    return ([(d, k) for d, k in zip(events["date"], events["kind"])],
            [(a.milestone, a.date, a.months, a.category, None if pd.isna(a.bcr_abl1_is_pct) else a.bcr_abl1_is_pct,
              None if pd.isna(a.ph_pos_pct) else a.ph_pos_pct, a.chr) for a in assessments.itertuples()])


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_visit, max_size=14), st.lists(_finding, max_size=3), st.sampled_from(GUIDELINES))
def test_random_courses_give_the_events_and_assessments_of_the_per_patient_rules(raw, found, guideline):
    """The per-patient rules (clinical.timeline) and the cohort-wide derivation (cmltrack.derive) both give, for any
    course, what the per-patient code before issue 17 gave."""
    visits = [{"date": START + dt.timedelta(days=v["day"]), **{k: x for k, x in v.items() if k != "day"}}
              for v in raw]
    genetics = sorted((Finding(START + dt.timedelta(days=d), test, value if test == "karyotype" or value in
                               MUTATIONS[:2] + ("NONE",) else "NONE", positive) for d, test, value, positive in found),
                      key=lambda f: (f.date, f.test, f.value))
    old_events = timeline_before.derive_events(visits, guideline, genetics, START)
    old_assessed = [dataclasses.astuple(a) for a in timeline_before.assess(visits, START, guideline, None, genetics)]
    assert timeline.derive_events(visits, guideline, genetics, START) == old_events
    assert [dataclasses.astuple(a) for a in timeline.assess(visits, START, guideline, None, genetics)] == old_assessed
    assert _through_derive(visits, genetics, guideline) == (list(dict.fromkeys(old_events)), old_assessed)
