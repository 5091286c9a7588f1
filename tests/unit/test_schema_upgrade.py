"""A database written by the previous cmltrack (schema 5, tests/data/schema5_demo) is upgraded with its facts kept,
and an add-mode import into it works and leaves it in the current schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cmltrack.db.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[2]
DUMP = ROOT / "tests" / "data" / "schema5_demo"


@pytest.fixture()
def schema5(tmp_path) -> Path:
    """The schema-5 demo database, loaded from its dump into a new file."""
    db = tmp_path / "written_by_schema5.duckdb"
    with duckdb.connect(str(db)) as con:
        for statement in (DUMP / "schema.sql").read_text().split(";\n"):
            if statement.strip():
                con.execute(statement)
        for table in ("meta", "patients", "treatments", "labs", "responses", "adverse_events", "time_to_event",
                      "mutations", "karyotypes", "eln_assessments", "patient_summary"):  # parents before children
            con.execute(f"COPY {table} FROM '{DUMP / table}.csv' (HEADER)")
    return db


def _one(db: Path, sql: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()


def test_upgrade_from_schema_5_keeps_every_fact(schema5):
    before = {t: _one(schema5, f"SELECT count(*) FROM {t}")[0]  # noqa: S608 (fixed names)
              for t in ("patients", "treatments", "labs", "adverse_events", "time_to_event", "mutations",
                        "karyotypes")}
    recorded = _one(schema5, "SELECT count(*) FROM responses WHERE source = 'recorded'")[0]
    assert _one(schema5, "SELECT value FROM meta WHERE key = 'schema_version'") == ("5",)
    run = subprocess.run([sys.executable, "-m", "cmltrack", "upgrade", "--db", str(schema5)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert _one(schema5, "SELECT value FROM meta WHERE key = 'schema_version'") == (str(SCHEMA_VERSION),)
    for table, n in before.items():
        assert _one(schema5, f"SELECT count(*) FROM {table}")[0] == n, table  # noqa: S608
    assert _one(schema5, "SELECT count(*) FROM responses WHERE source = 'recorded'")[0] == recorded
    # what schema 4 knew stays known; what it could not hold is unknown, not made up
    assert _one(schema5, "SELECT count(*) FILTER (WHERE serious IS NULL), count(*) FILTER (WHERE onset_date IS NULL) "
                         "FROM adverse_events") == (0, 0)
    assert _one(schema5, "SELECT count(*) FROM patients WHERE arm IS NOT NULL OR died IS NOT NULL") == (0,)
    assert _one(schema5, "SELECT count(*) FROM concomitant_medications") == (0,)


def test_adding_patients_to_a_schema_5_database(schema5, tmp_path):
    (tmp_path / "patients.csv").write_text("patient_id,sex,arm\nNEW-1,F,Imatinib + thalidomide\n")
    (tmp_path / "treatments.csv").write_text("patient_id,drug,dose_mg,start_date\nNEW-1,imatinib,400,2011-01-03\n")
    run = subprocess.run([sys.executable, "-m", "cmltrack", "import", "--db", str(schema5),
                          str(tmp_path / "patients.csv"), str(tmp_path / "treatments.csv")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert _one(schema5, "SELECT value FROM meta WHERE key = 'schema_version'") == (str(SCHEMA_VERSION),)
    assert _one(schema5, "SELECT count(*) FROM patients") == (22,)
    assert _one(schema5, "SELECT arm FROM patients WHERE patient_id = 'NEW-1'") == ("Imatinib + thalidomide",)
