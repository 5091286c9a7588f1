"""Add mode, the everyday import: new patients go into an EXISTING database (the demo cohort, a synthetic registry),
through the command line as a user runs it, on a DuckDB file and on a PostgreSQL registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cmltrack.cohorts.synthetic import synthetic_frames
from cmltrack.db.connection import open_readonly
from cmltrack.db.store import write_database

ROOT = Path(__file__).resolve().parents[2]
NEW = {
    "patients.csv": "patient_id,sex,birth_date,diagnosis_date,im_status\n"
                    "NEW-1,F,1961-03-02,2006-05-10,resistant\nNEW-2,M,1970-11-30,2008-01-15,intolerant\n",
    "treatments.csv": "patient_id,drug,dose_mg,start_date,end_date\n"
                      "NEW-1,imatinib,400,2006-06-01,2009-02-28\nNEW-1,imatinib,600,2009-03-01,\n"
                      "NEW-1,thalidomide,100,2010-04-01,\nNEW-2,imatinib,400,2008-02-01,\n",
    "labs.csv": "patient_id,date,wbc,platelets,basophils_pct,bcr_abl1_is_pct\n"
                "NEW-1,2010-04-01,8.1,300,2,12\nNEW-1,2010-10-01,6.0,250,1,0.8\n",
    "responses.csv": "patient_id,date,kind\nNEW-1,2010-10-15,CCyR\n",
    "adverse_events.csv": "patient_id,term,ctcae_grade,onset_date,attributed_drug\n"
                          "NEW-1,Tingling in feet,1,2010-06-01,thalidomide\n",
}


def _sources(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in NEW.items():
        (folder / name).write_text(text)
    return [folder / name for name in NEW]


def _frame(db: Path | str, sql: str) -> pd.DataFrame:
    """A query's rows in a fixed order (every column, left to right)."""
    with open_readonly(db) as con:
        frame = con.execute(sql).df()
    return frame.sort_values(list(frame.columns), ignore_index=True)


@pytest.fixture(params=["demo", "synthetic"])
def existing(request, backend, tmp_path_factory, frames) -> Path | str:
    """A database that already holds patients: the demo cohort, or a synthetic registry of 120 patients."""
    from tests.conftest import _target

    kept = frames if request.param == "demo" else synthetic_frames(120, seed=3)
    return write_database(_target(backend, request, tmp_path_factory, f"add_{request.param}"), kept,
                          source=request.param)


def test_new_patients_are_added_to_an_existing_database_from_the_command_line(existing, tmp_path):
    before = {t: _frame(existing, f"SELECT * FROM {t}") for t in  # noqa: S608 (fixed names)
              ("patients", "treatments", "patient_summary")}
    run = subprocess.run([sys.executable, "-m", "cmltrack", "import", "--db", str(existing),
                          *map(str, _sources(tmp_path / "src"))], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "imported 2 patients, 4 treatments, 2 labs, 1 responses, 1 adverse_events" in run.stdout
    patients = _frame(existing, "SELECT patient_id FROM patients")
    assert len(patients) == len(before["patients"]) + 2
    # the patients already there are exactly as they were, their derived rows too
    for table, old in before.items():
        kept = _frame(existing, f"SELECT * FROM {table} WHERE patient_id NOT LIKE 'NEW-%'")  # noqa: S608
        pd.testing.assert_frame_equal(kept, old, check_dtype=False)
    # the new ones went through the clinical rules like any other
    new = _frame(existing, "SELECT * FROM patient_summary WHERE patient_id LIKE 'NEW-%'")
    assert new["im_start_date"].astype(str).tolist() == ["2006-06-01", "2008-02-01"]
    assert str(new.at[0, "thal_start_date"])[:10] == "2010-04-01" and bool(new.at[0, "on_thalidomide"])
    assert new["age_years"].tolist() == [49, 37]  # at thalidomide start; at imatinib start without it
