"""Schema constraints reject impossible rows; a failed write leaves the database file untouched."""

from __future__ import annotations

import datetime as dt
import hashlib

import duckdb
import pandas as pd
import pytest

from cmltrack.db.errors import RowsRefused
from cmltrack.db.registry import build
from cmltrack.db.schema import COLUMNS, create_schema
from cmltrack.registry import write_database

T = "INSERT INTO treatments (patient_id, drug, dose_mg, start_date, end_date, reason_stopped) VALUES "
PATIENT = "INSERT INTO patients (patient_id, sex) VALUES ('P1', 'F')"


@pytest.fixture()
def db():
    con = duckdb.connect(":memory:")
    create_schema(con)
    con.execute(PATIENT)
    yield con
    con.close()


@pytest.mark.parametrize("sql", [
    T + "('P1', 'imatinib', 0, DATE '2010-01-01', NULL, NULL)",  # dose 0
    T + "('P1', 'imatinib', -400, DATE '2010-01-01', NULL, NULL)",  # negative dose
    T + "('P1', 'imatinib', 400, DATE '2010-01-02', DATE '2010-01-01', NULL)",  # end < start
    T + "('P1', 'Imatinib', 100, DATE '2010-01-01', NULL, NULL)",  # not lower case
    T + "('P1', '', 100, DATE '2010-01-01', NULL, NULL)",  # no drug name
    T + "('P1', 'xanomeline', 0, DATE '2010-01-01', NULL, NULL)",  # 0 mg of an active drug
    T + "('NOPE', 'imatinib', 400, DATE '2010-01-01', NULL, NULL)",  # unknown patient
    "INSERT INTO adverse_events (patient_id, term, ctcae_grade, onset_date) VALUES ('P1', 'x', 0, DATE '2010-01-01')",
    "INSERT INTO adverse_events (patient_id, term, ctcae_grade, onset_date) VALUES ('P1', 'x', 6, DATE '2010-01-01')",
    "INSERT INTO adverse_events (patient_id, term, ctcae_grade, onset_date, end_date) "
    "VALUES ('P1', 'x', 1, DATE '2010-01-02', DATE '2010-01-01')",
    "INSERT INTO labs (patient_id, date, ph_pos_pct) VALUES ('P1', DATE '2010-01-01', 101)",
    "INSERT INTO labs (patient_id, date, basophils_pct) VALUES ('P1', DATE '2010-01-01', -1)",
    "INSERT INTO labs (patient_id, date, wbc) VALUES ('P1', DATE '2010-01-01', -3)",
    "INSERT INTO responses VALUES ('P1', DATE '2010-01-01', 'CURED', 'recorded', 'none', FALSE, FALSE, FALSE)",
    "INSERT INTO adverse_events (patient_id, term, ctcae_grade, onset_date, grade_source) "
    "VALUES ('P1', 'x', 1, DATE '2010-01-01', 'guess')",
    "INSERT INTO time_to_event VALUES ('P1', 'OS', NULL, NULL, -1, NULL, TRUE)",
    "INSERT INTO responses VALUES ('P1', DATE '2010-01-01', 'CHR', 'guessed', 'none', FALSE, FALSE, FALSE)",
    # derived responses name their rules
    "INSERT INTO responses VALUES ('P1', DATE '2010-01-01', 'CHR', 'derived', 'none', FALSE, FALSE, FALSE)",
    "INSERT INTO responses VALUES ('P1', DATE '2010-01-01', 'CHR', 'recorded', 'ELN2020', FALSE, FALSE, FALSE)",
    "INSERT INTO responses VALUES ('P1', DATE '2010-01-01', 'CHR', 'derived', 'ELN2030', FALSE, FALSE, FALSE)",
    "INSERT INTO eln_assessments VALUES ('P1', 'ELN2020', '3', DATE '2010-04-01', 3, 'great', 5, NULL, TRUE)",
    "INSERT INTO eln_assessments VALUES ('P1', 'ELN2020', '9', DATE '2010-04-01', 3, 'optimal', 5, NULL, TRUE)",
    "INSERT INTO patients (patient_id, sex) VALUES ('P2', 'X')",
    "INSERT INTO patients (patient_id, sex, im_status) VALUES ('P2', 'F', 'refractory')",
    "INSERT INTO patients (patient_id, sex, phase_at_diagnosis) VALUES ('P2', 'F', 'XP')",
    # schema 5 (issue 16)
    "INSERT INTO labs (patient_id, date, fish_pct) VALUES ('P1', DATE '2010-01-01', 100.5)",
    "INSERT INTO labs (patient_id, date, fish_nuclei) VALUES ('P1', DATE '2010-01-01', -200)",
    "INSERT INTO labs (patient_id, date, neutrophils) VALUES ('P1', DATE '2010-01-01', -1)",
    "INSERT INTO mutations VALUES ('P1', DATE '2010-01-01', 'Sanger', 't315i')",
    "INSERT INTO mutations VALUES ('NOPE', DATE '2010-01-01', 'Sanger', 'T315I')",
    "INSERT INTO karyotypes VALUES ('P1', DATE '2010-01-01', '', TRUE)",
    "INSERT INTO eln_assessments VALUES ('P1', 'ELN2030', '3', DATE '2010-04-01', 3, 'optimal', 5, NULL, TRUE)",
    PATIENT,  # duplicate key
])
def test_constraint_rejects_bad_row(db, sql):
    with pytest.raises(duckdb.ConstraintException):
        db.execute(sql)


def test_good_rows_are_accepted(db):
    insert = T + ""
    db.execute(insert + "('P1', 'imatinib', 400, DATE '2010-01-01', NULL, NULL)")
    db.execute(insert + "('P1', 'thalidomide', 100, DATE '2011-01-01', DATE '2011-01-01', 'x')")
    db.execute(insert + "('P1', 'placebo', 0, DATE '2012-01-01', NULL, NULL)")  # a blinded placebo arm
    db.execute("INSERT INTO adverse_events (patient_id, term, ctcae_grade, onset_date) VALUES ('P1', 'x', 5, "
               "DATE '2010-01-01')")
    db.execute("INSERT INTO labs (patient_id, date, ph_pos_pct, bcr_abl1_is_pct) VALUES ('P1', DATE '2010-01-01', "
               "100, 140)")  # IS values above 100% exist
    assert db.execute("SELECT count(*) FROM treatments").fetchone() == (3,)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_failed_write_leaves_the_existing_file_byte_for_byte(tmp_path, frames):
    target = write_database(tmp_path / "db.duckdb", frames, source="test")
    before = _digest(target)
    bad = {k: v.copy() for k, v in frames.items()}
    bad["adverse_events"].loc[5, "ctcae_grade"] = 7
    with pytest.raises(RowsRefused, match="ctcae_grade BETWEEN 1 AND 5") as refused:
        write_database(target, bad, source="test")
    assert refused.value.table == "adverse_events"
    assert _digest(target) == before
    # no temporary file left behind (the writer lock file stays, empty of data)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.duckdb", "db.duckdb.lock"]


def _frame(table: str, **columns: list) -> pd.DataFrame:
    rows = len(next(iter(columns.values())))
    return pd.DataFrame({c: columns.get(c, [None] * rows) for c in COLUMNS[table]})


def _constraints(con) -> list[tuple]:
    return con.execute("SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() "
                       "ORDER BY ALL").fetchall()


def test_a_bulk_build_ends_with_every_constraint_of_the_schema(db):
    """build() adds the composite primary keys after the rows (create_schema(keys=False), add_key): same schema."""
    with duckdb.connect(":memory:") as built:
        build(built, {"patients": _frame("patients", patient_id=["P1"], sex=["F"])}, source="test")
        assert _constraints(built) == _constraints(db)
        with pytest.raises(duckdb.ConstraintException):
            built.execute("INSERT INTO labs (patient_id, date) VALUES ('P1', DATE '2010-01-01'), "
                          "('P1', DATE '2010-01-01')")


@pytest.mark.parametrize("deriving", [None, dict], ids=["one transaction", "facts beside the derivation"])
def test_a_bulk_build_refuses_a_repeated_key_as_an_insert_would(deriving):
    labs = _frame("labs", patient_id=["P1", "P1", "P1"], wbc=[5.0, 6.0, 7.0],
                  date=[dt.date(2010, 1, 1), dt.date(2010, 2, 1), dt.date(2010, 1, 1)])
    tables = {"patients": _frame("patients", patient_id=["P1"], sex=["F"]), "labs": labs}
    with duckdb.connect(":memory:") as con, pytest.raises(RowsRefused) as refused:
        build(con, tables, source="test", deriving=deriving)
    assert refused.value.table == "labs"
    assert 'Duplicate key "patient_id: P1, date: 2010-01-01" violates primary key constraint' in str(refused.value)
