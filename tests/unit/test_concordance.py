"""Recorded vs derived responses: matches within 45 days, and every kind of disagreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tests.reference.concordance_before_17 as before
from cmltrack.analysis.concordance import disagreements


def _rows(*rows):
    return pd.DataFrame(rows, columns=["patient_id", "date", "kind", "source"])


def test_disagreement_kinds():
    found = disagreements(_rows(
        ("P1", "2010-04-01", "CHR", "recorded"), ("P1", "2010-04-01", "CHR", "derived"),  # same event
        ("P1", "2010-10-01", "CCYR", "recorded"), ("P1", "2010-11-10", "CCYR", "derived"),  # 40 days apart
        ("P1", "2011-06-01", "MMR", "recorded"),  # recorded only
        ("P1", "2012-01-01", "LOSS_CHR", "derived"),  # derived only
        ("P2", "2010-01-01", "CHR", "recorded"),  # labs that measure CHR but never show it
        ("P3", "2010-01-01", "CHR", "derived"),  # nothing recorded for P3: nothing to disagree with
    ))
    assert found[["patient_id", "kind", "finding"]].values.tolist() == [
        ["P1", "CCyR", "dates differ by 40 days"],
        ["P1", "Loss of CHR", "shown by the labs, not recorded"],
        ["P1", "MMR", "recorded, not found in the labs"],
        ["P2", "CHR", "recorded, not found in the labs"],
    ]


def test_events_further_apart_than_45_days_are_different_events():
    found = disagreements(_rows(("P1", "2010-01-01", "CHR", "recorded"), ("P1", "2010-03-01", "CHR", "derived")))
    assert sorted(found["finding"]) == ["recorded, not found in the labs", "shown by the labs, not recorded"]


def test_no_disagreement():
    assert disagreements(_rows(("P1", "2010-01-01", "CHR", "recorded"), ("P1", "2010-01-01", "CHR", "derived"))).empty


def _random_responses(seed: int, patients: int) -> pd.DataFrame:
    """Recorded and derived events of a few kinds, clustered so that pairs fall on both sides of 45 days, ties and
    repeats included; some patients have only derived events."""
    rng = np.random.default_rng(seed)
    n = patients * 8
    start = pd.Timestamp("2010-01-01")
    return pd.DataFrame({
        "patient_id": [f"P{i:04d}" for i in rng.integers(0, patients, n)],
        "date": [start + pd.Timedelta(days=int(d)) for d in rng.integers(0, 8, n) * 40 + rng.integers(-50, 50, n)],
        "kind": rng.choice(["CHR", "CCYR", "MMR", "LOSS_MMR"], n),
        "source": rng.choice(["recorded", "derived", "derived"], n),
    }).sort_values(["patient_id", "date", "kind", "source"], ignore_index=True)


@pytest.mark.parametrize("seed", range(4))
def test_same_findings_as_before_on_random_responses(seed):
    responses = _random_responses(seed, 150)
    pd.testing.assert_frame_equal(disagreements(responses), before.disagreements(responses), check_dtype=False)


def test_same_findings_as_before_on_the_demo(con):
    from cmltrack.db import queries as q

    ids = q.patient_choices(con)["patient_id"].tolist()
    for guideline in ("ELN2009", "ELN2013", "ELN2020"):
        responses = q.comparable_responses(con, ids, guideline)
        pd.testing.assert_frame_equal(disagreements(responses), before.disagreements(responses), check_dtype=False)
