"""Recorded vs derived responses: matches within 45 days, and every kind of disagreement."""

from __future__ import annotations

import pandas as pd

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
