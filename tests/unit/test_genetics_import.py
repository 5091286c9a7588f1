"""Issue 16: mutations, karyotypes, FISH and neutrophils imported from the project's layout, into a new and into an
EXISTING (schema 4) database, with their ELN consequences derived; bad rows named by file, row and column."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cmltrack.db.schema import SCHEMA_VERSION
from cmltrack.db.store import write_database
from cmltrack.ingest.plan import check_sources, import_sources
from cmltrack.ingest.problems import ImportRejected
from tests.conftest import fingerprint, subset

PATIENTS = "patient_id,sex,diagnosis_date\nG-1,F,2008-01-01\n"
TREATMENTS = "patient_id,drug,dose_mg,start_date,end_date\nG-1,imatinib,400,2008-01-15,\n"
LABS = ("patient_id,date,bcr_abl1_is_pct,ph_pos_pct,metaphases,fish_pct,fish_nuclei,neutrophils,wbc,blasts_pct,"
        "basophils_pct\n"
        "G-1,2008-04-15,5,,,,,1.2,3.1,1,1\n"
        "G-1,2008-07-15,0.5,,,0.5,200,0.9,2.5,0,1\n"
        "G-1,2008-10-15,0.4,,,,,2.1,4.2,0,1\n")
MUTATIONS = "patient_id,date,method,mutation\nG-1,2008-10-01,Sanger,p.T315I\n"
KARYOTYPES = "patient_id,date,finding,ph_positive\nG-1,2008-10-01,trisomy 8,Y\nG-1,2008-10-01,-Y,N\n"


def _write(folder: Path, **tables: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text)
    return sorted(folder.glob("*.csv"))


def _age_to_schema_4(path: Path) -> None:
    """Make a current database look like one written by schema 4 (before issue 16)."""
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
        con.execute("DROP TABLE mutations")
        con.execute("DROP TABLE karyotypes")
        for column in ("neutrophils", "fish_pct", "fish_nuclei"):
            con.execute(f"ALTER TABLE labs DROP COLUMN {column}")


def test_mutations_and_karyotypes_import_into_an_existing_schema_4_database(tmp_path, frames):
    db = write_database(tmp_path / "clinic.duckdb", subset(frames, ["CML-01", "CML-02"]), source="clinic")
    _age_to_schema_4(db)
    files = _write(tmp_path / "new", patients=PATIENTS, treatments=TREATMENTS, labs=LABS, mutations=MUTATIONS,
                   karyotypes=KARYOTYPES)
    plan = import_sources(db, files)
    assert plan.counts["mutations"] == 1 and plan.counts["karyotypes"] == 2
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
        assert con.execute("SELECT count(*) FROM patients").fetchone() == (3,)  # the old patients are kept
        assert con.execute("SELECT mutation, method FROM mutations").fetchall() == [("T315I", "Sanger")]
        assert sorted(con.execute("SELECT finding, ph_positive FROM karyotypes").fetchall()) == [
            ("+8", True), ("-Y", False)]
        assert con.execute("SELECT fish_pct, fish_nuclei, neutrophils FROM labs WHERE patient_id = 'G-1' "
                           "ORDER BY date").fetchall()[1] == (0.5, 200, 0.9)
        latest = dict(con.execute("SELECT guideline, category FROM eln_assessments WHERE patient_id = 'G-1' "
                                  "AND milestone = 'latest'").fetchall())
        # at 9 months, 0.4%: a warning by value, failure by the T315I and the +8 found on imatinib
        assert latest["ELN2020"] == latest["ELN2025"] == latest["ELN2013"] == "failure"
        six = dict(con.execute("SELECT guideline, category FROM eln_assessments WHERE patient_id = 'G-1' "
                               "AND milestone = '6'").fetchall())
        assert six["ELN2020"] == "optimal"  # 0.5% at 6 months, before the mutation was found
        kinds = {k for (k,) in con.execute("SELECT kind FROM responses WHERE patient_id = 'G-1' "
                                           "AND guideline = 'ELN2013'").fetchall()}
        assert {"CCYR", "PROG_AP"} <= kinds  # CCyR by FISH; +8 in Ph+ cells on treatment: accelerated phase


def test_bad_genetics_rows_are_named_and_leave_the_database_as_it_was(tmp_path, frames):
    db = write_database(tmp_path / "clinic.duckdb", subset(frames, ["CML-01"]), source="clinic")
    before = fingerprint(db)
    bad = _write(tmp_path / "bad", patients=PATIENTS, labs="patient_id,date,fish_pct,fish_nuclei\nG-1,2008-04-15,"
                 "140,12.5\n", mutations="patient_id,date,mutation\nG-1,2008-10-01,T315\nG-9,2008-10-01,E255K\n",
                 karyotypes="patient_id,date,finding,ph_positive\nG-1,2008-10-01,,Y\nG-1,2008-10-01,+8,maybe\n")
    with pytest.raises(ImportRejected) as caught:
        import_sources(db, bad)
    found = {(Path(p.file).name, p.row, p.column) for p in caught.value.problems}
    assert {("labs.csv", 2, "fish_pct"), ("labs.csv", 2, "fish_nuclei"), ("mutations.csv", 2, "mutation"),
            ("mutations.csv", 3, "patient_id"), ("karyotypes.csv", 2, "finding"),
            ("karyotypes.csv", 3, "ph_positive")} <= found
    assert any("T315I" in p.message and p.column == "mutation" for p in caught.value.problems)
    assert fingerprint(db) == before


def test_a_repeated_mutation_row_is_a_duplicate(tmp_path):
    plan = check_sources(_write(tmp_path / "dup", patients=PATIENTS,
                                mutations=MUTATIONS + "G-1,2008-10-01,NGS,T315I\n"))
    assert [(Path(p.file).name, p.row, p.column) for p in plan.problems] == [("mutations.csv", 3, "mutation")]
    assert "duplicate row" in plan.problems[0].message
