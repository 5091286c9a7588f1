"""The clinic worklist's SQL facts (cmltrack.db.queries.worklist_facts / worklist_news / not_followed) assembled
by cmltrack.analysis.worklist, on the demo cohort (both engines) and on a synthetic cohort with TFR courses."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cmltrack.analysis import worklist as wl
from cmltrack.clinical import monitoring
from cmltrack.cohorts.synthetic import SOURCE, synthetic_frames
from cmltrack.db import queries as q
from cmltrack.db.connection import open_readonly
from cmltrack.db.filters import CohortFilter
from cmltrack.registry import write_database

D = dt.date


@pytest.fixture(scope="module")
def synthetic_db_file(tmp_path_factory):
    return write_database(tmp_path_factory.mktemp("db") / "synthetic.duckdb", synthetic_frames(600, seed=3),
                          source=f"{SOURCE} (n=600, seed=3)")


def _worklist(db, as_of: dt.date, f: CohortFilter | None = None, **kw) -> pd.DataFrame:
    with open_readonly(db) as con:
        since = as_of - dt.timedelta(days=wl.NEWS_DAYS)
        f = f or CohortFilter()
        return wl.build(q.worklist_facts(con, f, as_of, since, **kw), q.worklist_news(con, f, as_of, since, **kw),
                        as_of, since)


def test_demo_cohort_at_its_last_date(demo_db):
    with open_readonly(demo_db) as con:
        end = q.data_end(con).date()
        assert wl.default_as_of(q.database_source(con), end, D(2026, 12, 3)) == (D(2012, 8, 1), True)
    got = _worklist(demo_db, end)
    assert got["patient_id"].tolist() == ["CML-11", "CML-14", "CML-15", "CML-21"]
    assert got["reasons"].tolist() == ["12-month failure (ELN 2020)", "progression to BP",
                                       "6-month failure (ELN 2020); latest ELN 2020: failure (was warning)",
                                       "12-month failure (ELN 2020)"]
    assert _worklist(demo_db, end, patient_ids=["CML-14"])["patient_id"].tolist() == ["CML-14"]
    with open_readonly(demo_db) as con:
        status = dict(con.execute("SELECT patient_id, im_status FROM patients").fetchall())
    resistant = _worklist(demo_db, end, CohortFilter(status=("resistant",)))  # the sidebar's filter applies
    assert resistant["patient_id"].tolist() == [p for p in got["patient_id"] if status[p] == "resistant"]
    earlier = _worklist(demo_db, D(2012, 2, 1))  # nothing recorded later is read
    assert len(earlier) and set(earlier["patient_id"]) != set(got["patient_id"])


def test_patients_not_seen_for_a_year_are_counted_apart(demo_db):
    far = D(2014, 8, 1)  # two years after the demo's last visit: every patient is away
    assert len(_worklist(demo_db, far)) > 4  # all listed, overdue, when asked
    assert _worklist(demo_db, far, followed_from=monitoring.add_months(far, -12)).empty
    with open_readonly(demo_db) as con:
        assert q.not_followed(con, CohortFilter(), far, monitoring.add_months(far, -12)) == 21 - _dead(con, far)
        assert q.not_followed(con, CohortFilter(), D(2012, 8, 1), monitoring.add_months(D(2012, 8, 1), -12)) == 0


def _dead(con, day: dt.date) -> int:
    return int(con.execute("SELECT count(*) FROM patients WHERE died AND (death_date IS NULL OR death_date <= ?)",
                           [day]).fetchone()[0])


def test_synthetic_tfr_courses_are_monitored_and_far_patients_left_out(synthetic_db_file):
    with open_readonly(synthetic_db_file) as con:
        courses = con.execute("SELECT * FROM tfr_courses").df()
        end = q.data_end(con).date()
    assert len(courses) and courses["recurrence_date"].notna().any() and courses["restart_date"].notna().any()
    stop = courses.sort_values("start_date").iloc[len(courses) // 2]
    as_of = stop["start_date"].date() + dt.timedelta(days=100)
    everyone = _worklist(synthetic_db_file, as_of)
    followed = _worklist(synthetic_db_file, as_of, followed_from=monitoring.add_months(as_of, -12))
    assert set(followed["patient_id"]) <= set(everyone["patient_id"]) and len(followed) <= len(everyone)
    assert everyone["status"].str.startswith("In TFR").any()
    assert end >= as_of
