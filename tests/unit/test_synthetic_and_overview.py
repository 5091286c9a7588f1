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


PARALLEL_CHECK = """
import pandas as pd
from cmltrack import derive
from cmltrack.cohorts.synthetic import synthetic_frames

frames = synthetic_frames(120, seed=5)
one = derive.derived_responses_and_assessments(frames)
many = derive._in_workers(
    [c for _, c in frames["labs"].sort_values(["patient_id", "date"]).assign(
        date=lambda f: pd.to_datetime(f["date"]).dt.date).groupby(
        frames["labs"]["patient_id"].rank(method="dense").astype(int) // 30)],
    {p: d.date() for p, d in derive._tki_line_start(frames["treatments"]).items()}, derive.genetic_findings(frames),
    None)
events = pd.DataFrame([e for r in many for e in r[0]], columns=one[0].columns).drop_duplicates()
assessments = pd.DataFrame([a for r in many for a in r[1]], columns=one[1].columns)
key = lambda f: f.sort_values(list(f.columns[:4])).reset_index(drop=True)
pd.testing.assert_frame_equal(key(one[0]), key(events))
pd.testing.assert_frame_equal(key(one[1]), key(assessments))
print("same", len(events), len(assessments))
"""


def test_parallel_derivation_gives_what_the_sequential_one_gives():
    """Worker processes (as the CLI uses them for large cohorts) derive exactly what one process derives. Run in a
    fresh interpreter, as the CLI is, not inside pytest's."""
    run = subprocess.run([sys.executable, "-c", PARALLEL_CHECK], cwd=ROOT, capture_output=True, text=True,
                         timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.startswith("same ")


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
