"""Property tests: arbitrary text, SQL fragments, unicode and huge numbers never reach SQL as code, never raise
anything but a clear ValueError, and never change the database."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmltrack.db import queries as q
from cmltrack.db.connection import open_readonly
from cmltrack.db.filters import CohortFilter

SQL_BITS = ["'", "\"", ";", "--", "/*", "*/", "' OR '1'='1", "'; DROP TABLE patients; --", "\\", "%", "_",
            "\x00", "CML-01' --", "ü", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "NULL", "1e308", "-1", "⟨script⟩"]
hostile = st.one_of(st.text(max_size=60), st.sampled_from(SQL_BITS),
                    st.lists(st.sampled_from(SQL_BITS), max_size=4).map("".join))
numbers = st.one_of(st.integers(min_value=-(10 ** 30), max_value=10 ** 30), st.floats(allow_nan=True))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def db(tmp_path_factory, frames):
    from cmltrack.registry import write_database

    return write_database(tmp_path_factory.mktemp("hostile") / "db.duckdb", frames, source="test")


@SETTINGS
@given(value=hostile)
def test_patient_queries_take_any_text_as_a_value(db, value):
    before = _digest(db)
    with open_readonly(db) as con:
        assert q.patient(con, value).empty
        for query in (q.treatments_for, q.labs_for, q.adverse_events_for):
            assert query(con, [value]).empty
        assert q.events_for(con, [value], "ELN2020").empty
        assert q.comparable_responses(con, [value], "ELN2020").empty
        assert q.count_patients(con, CohortFilter())[1] == 21
    assert _digest(db) == before


@SETTINGS
@given(status=st.lists(hostile, max_size=3), age=st.tuples(numbers, numbers), best=st.lists(hostile, max_size=2))
def test_filters_accept_known_values_only(db, status, age, best):
    try:
        f = CohortFilter(status=tuple(status), age=age, best=tuple(best))
    except ValueError as exc:
        assert any(name in str(exc) for name in ("status", "age", "best"))
        return
    with open_readonly(db) as con:
        assert len(q.cohort_lanes(con, f)) <= 21
