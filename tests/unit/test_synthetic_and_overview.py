"""Synthetic cohorts (reproducible, demo-like, valid), the parallel derivation, and the cohort overview."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cmltrack.clinical.milestones import GUIDELINES
from cmltrack.cohorts.demo import SPECS
from cmltrack.cohorts.synthetic import synthetic_frames
from cmltrack.db import queries as q
from cmltrack.db.connection import open_readonly
from cmltrack.figures.overview import build_overview
from cmltrack.filters import CohortFilter

ROOT = Path(__file__).resolve().parents[2]


def test_same_seed_same_cohort_other_seed_other_cohort():
    a, b, c = synthetic_frames(200, seed=7), synthetic_frames(200, seed=7), synthetic_frames(200, seed=8)
    for table in a:
        pd.testing.assert_frame_equal(a[table], b[table])
    assert not a["labs"]["bcr_abl1_is_pct"].equals(c["labs"]["bcr_abl1_is_pct"])


def test_synthetic_cohort_has_the_demo_distributions():
    frames = synthetic_frames(5000, seed=1)
    p = frames["patients"]
    demo_female = sum(s.sex == "F" for s in SPECS) / len(SPECS)
    demo_resistant = sum(s.status == "resistant" for s in SPECS) / len(SPECS)
    assert abs((p["sex"] == "F").mean() - demo_female) < 0.03
    assert abs((p["im_status"] == "resistant").mean() - demo_resistant) < 0.03
    visits = frames["labs"].groupby("patient_id").size()
    assert 36 <= visits.mean() <= 42 and not frames["labs"].duplicated(["patient_id", "date"]).any()
    thal = frames["treatments"][frames["treatments"]["drug"] == "thalidomide"]
    assert (thal["dose_mg"] == 100).all() and thal["patient_id"].is_unique


def test_synthetic_cohort_writes_and_filters(tmp_path):
    run = subprocess.run([sys.executable, "-m", "cmltrack", "demo", "--patients", "300", "--seed", "3", "--out",
                          str(tmp_path / "s.duckdb")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "wrote 300 synthetic patients" in run.stdout
    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM patient_summary").fetchone() == (300,)
    # the labs were read by the clinical rules: every family is measured, responses derived under each guideline
    assert con.execute("SELECT bool_and(labs_molecular AND labs_cytogenetic) FROM patient_summary").fetchone() == (
        True,)
    assert con.execute("SELECT count(DISTINCT guideline) FROM responses WHERE source = 'derived'").fetchone() == (
        len(GUIDELINES),)


@pytest.fixture()
def overview(demo_db):
    con = open_readonly(demo_db)
    yield con, q.cohort_overview(con, CohortFilter(), "thal_start_date")
    con.close()


def test_overview_counts_the_cohort_month_by_month(overview):
    con, frame = overview
    at_start = frame.set_index("month").loc[0]
    lanes = q.cohort_lanes(con, CohortFilter())
    assert at_start["on_thalidomide"] == lanes["thal_start_date"].notna().sum() == 21
    assert at_start["followed"] == 21 and at_start["on_imatinib"] <= 21
    # a month later only patients still seen are counted, and responses only accumulate
    assert (frame["followed"] >= frame["on_thalidomide"]).all()
    later = frame[frame["month"] >= 0]
    assert (later["followed"].diff().dropna() <= 0).all()
    assert frame["month"].min() == q.OVERVIEW_MONTHS[0]


def test_overview_filter_and_unknown_anchor(overview):
    con, _ = overview
    resistant = q.cohort_overview(con, CohortFilter(status=("resistant",)), "thal_start_date")
    assert resistant.set_index("month").loc[0, "on_thalidomide"] == 13
    with pytest.raises(ValueError):
        q.cohort_overview(con, CohortFilter(), "birth_date; DROP TABLE patients")


def test_overview_figure(overview):
    _, frame = overview
    fig = build_overview(frame, "Months since thalidomide start", 21).to_dict()
    names = [t["name"] for t in fig["data"]]
    assert names == ["Followed", "On imatinib", "On thalidomide", "CHR or deeper", "CCyR or deeper", "MMR or deeper"]
    assert fig["layout"]["hovermode"] == "x unified" and "21 patients" in fig["layout"]["title"]["text"]
    empty = build_overview(frame.iloc[0:0], "Months", 0)
    assert len(empty.data) == 6
