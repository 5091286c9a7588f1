"""Where a patient stands now (cmltrack.analysis.snapshot): the latest BCR::ABL1 with its molecular depth (Cross,
Leukemia 2015;29:999) and the current ELN phase (Baccarani, JCO 2009;27:6041), each on both sides of its bounds."""

from __future__ import annotations

import pandas as pd
import pytest

from cmltrack.analysis.snapshot import current_phase, latest_bcr_abl1


def _labs(*rows: dict) -> pd.DataFrame:
    columns = ["date", "bcr_abl1_is_pct", "abl1_copies", "blasts_pct", "basophils_pct", "promyelocytes_pct"]
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns).astype(
        {"date": "datetime64[ns]"})


@pytest.mark.parametrize(("value", "copies", "text"), [
    (0.1, 50_000, "0.1% IS (MMR)"), (0.1001, 50_000, "0.1% IS (no MMR)"),  # MMR <= 0.1% IS
    (0.01, 50_000, "0.01% IS (MR4)"), (0.0101, 50_000, "0.0101% IS (MMR)"),  # MR4 <= 0.01%
    (0.0032, 50_000, "0.0032% IS (MR4.5)"), (0.0033, 50_000, "0.0033% IS (MR4)"),  # MR4.5 <= 0.0032%
    (0.0, 32_000, "undetectable (MR4.5)"), (0.0, 31_999, "undetectable (MR4)"),  # undetectable: by ABL1 copies
    (0.0, 10_000, "undetectable (MR4)"), (0.0, 9_999, "undetectable (sample too small for a depth)"),
    (120.0, 40_000, "120% IS (no MMR)"),  # IS above 100% is accepted
])
def test_latest_bcr_abl1_names_its_depth(value, copies, text):
    labs = _labs({"date": "2012-01-10", "bcr_abl1_is_pct": 50.0, "abl1_copies": 40_000},
                 {"date": "2012-06-01", "bcr_abl1_is_pct": value, "abl1_copies": copies},
                 {"date": "2012-07-01", "blasts_pct": 1.0, "basophils_pct": 1.0})  # a later visit without PCR
    latest = latest_bcr_abl1(labs)
    assert latest.text == text and latest.date == pd.Timestamp("2012-06-01")


def test_no_bcr_abl1_result():
    assert latest_bcr_abl1(_labs({"date": "2012-06-01", "blasts_pct": 1.0, "basophils_pct": 1.0})) is None
    assert latest_bcr_abl1(_labs()) is None


@pytest.mark.parametrize(("blasts", "basophils", "promyelocytes", "phase"), [
    (14.9, 1.0, 0.0, "CP"), (15.0, 1.0, 0.0, "AP"),  # ELN: blasts 15-29% accelerated
    (29.9, 1.0, 0.0, "AP"), (30.0, 1.0, 0.0, "BP"),  # blasts >= 30% blast phase
    (2.0, 19.9, 0.0, "CP"), (2.0, 20.0, 0.0, "AP"),  # basophils >= 20% accelerated
    (10.0, 1.0, 20.0, "CP"), (10.0, 1.0, 20.1, "AP"),  # blasts + promyelocytes > 30% accelerated
])
def test_current_phase_is_the_latest_visits(blasts, basophils, promyelocytes, phase):
    labs = _labs({"date": "2012-01-10", "blasts_pct": 40.0, "basophils_pct": 1.0},
                 {"date": "2012-06-01", "blasts_pct": blasts, "basophils_pct": basophils,
                  "promyelocytes_pct": promyelocytes},
                 {"date": "2012-07-01", "bcr_abl1_is_pct": 1.0, "abl1_copies": 40_000})  # no differential: skipped
    now = current_phase(labs)
    assert now.text == phase and now.date == pd.Timestamp("2012-06-01")
    assert current_phase(_labs({"date": "2012-07-01", "bcr_abl1_is_pct": 1.0})) is None
