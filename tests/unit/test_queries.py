"""Cohort queries: each filter narrows the cohort as the demo data says; values travel as parameters."""

from __future__ import annotations

import pytest

from cmltrack.db import queries as q
from cmltrack.db.filters import CohortFilter


@pytest.mark.parametrize("f, expected", [
    (CohortFilter(), 21),
    (CohortFilter(status=("resistant",)), 13),
    (CohortFilter(status=("intolerant",)), 8),
    (CohortFilter(sex=("F",)), 11),
    (CohortFilter(age=(40, 50)), 8),
    (CohortFilter(phase=("AP",)), 3),
    (CohortFilter(eutos=("high",)), 16),
    (CohortFilter(best=("CCYR",)), 4),
    (CohortFilter(best=("CHR",)), 6),
    (CohortFilter(best=("not evaluable",)), 8),
    (CohortFilter(best=("CCYR",), sex=("F",), status=("resistant",)), 3),
    (CohortFilter(status=("intolerant",), phase=("AP",)), 0),
])
def test_filter_counts(con, f, expected):
    lanes = q.cohort_lanes(con, f)
    assert len(lanes) == expected
    assert q.count_patients(con, f) == (expected, 21)


def test_age_filter_is_inclusive(con):
    ages = q.cohort_lanes(con, CohortFilter(age=(26, 26)))["age_years"].tolist()
    assert ages == [26]


def test_lane_columns_hold_the_summary(con):
    lanes = q.cohort_lanes(con, CohortFilter(status=("intolerant",)))
    assert set(lanes["im_status"]) == {"intolerant"}
    assert {"thal_start_date", "best_response", "eutos_score", "last_visit_date"} <= set(lanes.columns)


@pytest.mark.parametrize("hostile", ["CML-01' OR '1'='1", "'; DROP TABLE patients; --", "CML-01\x00", "ü" * 500])
def test_ids_are_bound_parameters(con, hostile):
    assert q.treatments_for(con, [hostile]).empty
    assert q.events_for(con, [hostile]).empty
    assert q.count_patients(con, CohortFilter())[1] == 21


def test_filter_rejects_unknown_values():
    with pytest.raises(ValueError, match="status"):
        CohortFilter(status=("resistant' OR 1=1",))
    with pytest.raises(ValueError, match="age"):
        CohortFilter(age=(60, 20))


def test_events_join_responses_and_adverse_events(con):
    ev = q.events_for(con, ["CML-02"])
    assert {"CCYR", "LOSS_CCYR", "MMR", "LOSS_MMR", "AE"} <= set(ev["kind"])
    assert ev.loc[ev["kind"] == "AE", "grade"].between(1, 5).all()


def test_age_bounds(con, empty_db):
    from cmltrack.db.connection import open_readonly

    assert q.age_bounds(con) == (22, 63)
    with open_readonly(empty_db) as empty:
        assert q.age_bounds(empty) is None
        assert q.count_patients(empty, CohortFilter()) == (0, 0)


def test_recorded_responses_stay_where_the_labs_cannot_measure_them(tmp_path, frames):
    """CML-02 without marrows: its recorded CCyR stays on screen; molecular responses come from the labs."""
    from cmltrack.db.connection import open_readonly
    from cmltrack.registry import write_database

    labs = frames["labs"].copy()
    labs.loc[labs["patient_id"] == "CML-02", ["ph_pos_pct", "metaphases"]] = None
    db = write_database(tmp_path / "nomarrow.duckdb", dict(frames, labs=labs), source="test")
    with open_readonly(db) as con:
        ev = q.events_for(con, ["CML-02"])
        by_source = ev[ev["kind"] != "AE"].groupby("source")["kind"].agg(set)
        assert by_source["recorded"] == {"PCYR", "CCYR", "LOSS_CCYR"}
        assert {"MMR", "LOSS_MMR", "CHR"} <= by_source["derived"]
        summary = con.execute("SELECT labs_cytogenetic, labs_molecular, best_response FROM patient_summary "
                              "WHERE patient_id = 'CML-02'").fetchone()
        assert summary == (False, True, "CCYR")  # the recorded second CCyR still counts as best response
