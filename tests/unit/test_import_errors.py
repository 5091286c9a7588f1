"""A corpus of malformed sources, one per error kind: each is refused with its named error (file, row, column), all
errors are reported together, and the database is left byte-for-byte as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from cmltrack.ingest.native import EXAMPLE, LAYOUT
from cmltrack.ingest.plan import check_sources, import_sources
from cmltrack.ingest.problems import ImportRejected, Problem

PATIENTS = "patient_id,sex,birth_date,im_status\nP1,F,1960-01-01,resistant\nP2,M,1955-05-05,intolerant\n"
TREATMENTS = "patient_id,drug,dose_mg,start_date,end_date\nP1,imatinib,400,2010-01-01,2011-01-01\n"


def _write(folder: Path, files: dict[str, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in files.items():
        (folder / name).write_text(text)
        out.append(folder / name)
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: name -> (files, the expected problem: file, row, column, words in the message)
CORPUS: dict[str, tuple[dict[str, str], tuple[str, int | None, str | None, str]]] = {
    "unknown patient": ({"patients.csv": PATIENTS, "treatments.csv": TREATMENTS + "P9,imatinib,400,2010-01-01,\n"},
                        ("treatments.csv", 3, "patient_id", "unknown patient 'P9'")),
    "end before start": ({"patients.csv": PATIENTS,
                          "treatments.csv": TREATMENTS + "P2,imatinib,400,2012-05-01,2012-04-01\n"},
                         ("treatments.csv", 3, "end_date", "ends (2012-04-01) before it starts (2012-05-01)")),
    "negative dose": ({"patients.csv": PATIENTS, "treatments.csv": TREATMENTS + "P2,imatinib,-400,2012-05-01,\n"},
                      ("treatments.csv", 3, "dose_mg", "a dose must not be negative")),
    "zero dose of an active drug": ({"patients.csv": PATIENTS,
                                     "treatments.csv": TREATMENTS + "P2,imatinib,0,2012-05-01,\n"},
                                    ("treatments.csv", 3, "dose_mg", "0 mg is accepted only for placebo")),
    "grade outside 1-5": ({"patients.csv": PATIENTS, "adverse_events.csv":
                           "patient_id,term,ctcae_grade,onset_date\nP1,Rash,6,2010-03-01\n"},
                          ("adverse_events.csv", 2, "ctcae_grade", "a CTCAE grade must be between 1 and 5")),
    "percentage outside 0-100": ({"patients.csv": PATIENTS, "labs.csv":
                                  "patient_id,date,ph_pos_pct,metaphases\nP1,2010-06-01,135,20\n"},
                                 ("labs.csv", 2, "ph_pos_pct", "a percentage must be between 0 and 100")),
    "unparseable date": ({"patients.csv": PATIENTS, "treatments.csv": "patient_id,drug,dose_mg,start_date\n"
                          "P1,imatinib,400,01/02/2010\n"},
                         ("treatments.csv", 2, "start_date", "not a date: write dates as ISO 8601")),
    "impossible date": ({"patients.csv": PATIENTS.replace("1960-01-01", "1960-02-30")},
                        ("patients.csv", 2, "birth_date", "not a date: no such day")),
    "partial date of a lab visit": ({"patients.csv": PATIENTS, "labs.csv": "patient_id,date,wbc\nP1,2010-06,7.1\n"},
                                    ("labs.csv", 2, "date", "partial date: a lab visit needs its full date")),
    "response known only to the year": ({"patients.csv": PATIENTS, "responses.csv":
                                         "patient_id,date,kind\nP1,2010,CCyR\n"},
                                        ("responses.csv", 2, "date", "known only to the year")),
    "duplicate rows": ({"patients.csv": PATIENTS, "treatments.csv": TREATMENTS + TREATMENTS.splitlines()[1] + "\n"},
                       ("treatments.csv", 3, "start_date", "duplicate row: same patient_id, drug, start_date as "
                                                           "row 2 of treatments.csv")),
    "duplicate patient": ({"patients.csv": PATIENTS + "P1,F,1960-01-01,resistant\n"},
                          ("patients.csv", 4, "patient_id", "duplicate row: same patient_id as row 2")),
    "overlapping segments of one drug": ({"patients.csv": PATIENTS, "treatments.csv": TREATMENTS
                                          + "P1,imatinib,600,2010-06-01,2011-06-01\n"},
                                         ("treatments.csv", 3, "start_date",
                                          "imatinib segment overlaps the one at row 2 of treatments.csv")),
    "unknown response code": ({"patients.csv": PATIENTS, "responses.csv": "patient_id,date,kind\nP1,2010-06-01,"
                               "CURED\n"}, ("responses.csv", 2, "kind", "unknown value 'CURED'")),
    "unknown sex": ({"patients.csv": PATIENTS.replace("P2,M", "P2,X")}, ("patients.csv", 3, "sex", "unknown value")),
    "missing required value": ({"patients.csv": PATIENTS, "treatments.csv": "patient_id,drug,dose_mg,start_date\n"
                                "P1,,400,2010-01-01\n"}, ("treatments.csv", 2, "drug", "missing (required)")),
    "missing required column": ({"patients.csv": PATIENTS, "treatments.csv": "patient_id,drug,start_date\n"
                                 "P1,imatinib,2010-01-01\n"}, ("treatments.csv", None, "dose_mg",
                                                               "required column missing")),
    "unknown column": ({"patients.csv": PATIENTS, "treatments.csv": "patient_id,drug,dose,start_date,dose_mg\n"
                        "P1,imatinib,400,2010-01-01,400\n"}, ("treatments.csv", None, "dose", "unknown column")),
    "not a number": ({"patients.csv": PATIENTS, "labs.csv": "patient_id,date,wbc\nP1,2010-06-01,high\n"},
                     ("labs.csv", 2, "wbc", "not a number")),
    "unreadable file": ({"patients.csv": PATIENTS, "labs.xlsx": "this is not a workbook"},
                        ("labs.xlsx", None, None, "cannot be read as xlsx")),
    "unsupported file type": ({"patients.csv": PATIENTS, "labs.txt": "x"},
                              ("labs.txt", None, None, "unsupported file type .txt")),
}


@pytest.mark.parametrize("kind", list(CORPUS))
def test_malformed_source_is_refused_with_its_named_error_and_the_database_is_unchanged(kind, tmp_path, demo_db):
    files, (file, row, column, words) = CORPUS[kind]
    sources = _write(tmp_path / "src", files)
    db = tmp_path / "clinic.duckdb"
    db.write_bytes(demo_db.read_bytes())
    before = _digest(db)
    with pytest.raises(ImportRejected) as caught:
        import_sources(db, sources)
    found = [p for p in caught.value.problems if (p.file, p.row, p.column) == (file, row, column)]
    assert found, f"no problem at {file}, row {row}, column {column}: {caught.value.problems}"
    assert any(words in p.message for p in found), found
    assert _digest(db) == before
    assert str(found[0]).startswith(f"{file}, row {row}" if row else file)


def test_every_error_is_reported_together(tmp_path):
    sources = _write(tmp_path, {
        "patients.csv": PATIENTS,
        "treatments.csv": TREATMENTS + "P9,imatinib,-1,2010-01-01,\nP2,imatinib,400,2012-05-01,2012-04-01\n",
        "adverse_events.csv": "patient_id,term,ctcae_grade,onset_date\nP1,Rash,0,2010-03-01\nP1,Rash,2,2010-13-01\n",
    })
    plan = check_sources(sources)
    where = {(p.file, p.row, p.column) for p in plan.problems}
    assert where >= {("treatments.csv", 3, "patient_id"), ("treatments.csv", 3, "dose_mg"),
                     ("treatments.csv", 4, "end_date"), ("adverse_events.csv", 2, "ctcae_grade"),
                     ("adverse_events.csv", 3, "onset_date")}


def test_an_existing_patient_is_not_imported_twice_into_the_same_database(tmp_path, demo_db):
    db = tmp_path / "clinic.duckdb"
    db.write_bytes(demo_db.read_bytes())
    before = _digest(db)
    sources = _write(tmp_path / "src", {"patients.csv": "patient_id,sex\nCML-01,F\n"})
    with pytest.raises(ImportRejected) as caught:
        import_sources(db, sources)
    assert caught.value.problems == [Problem("patients.csv", 2, "patient_id", "patient 'CML-01' is already in the "
                                             "database (an import adds new patients; import with replace to rebuild "
                                             "the database from these files)")]
    assert _digest(db) == before


def test_cdisc_errors_name_the_cdisc_variable(tmp_path):
    sources = _write(tmp_path, {
        "dm.csv": "STUDYID,DOMAIN,USUBJID,SEX,AGE\nS,DM,S-1,F,61\nS,DM,S-2,M,200\n",
        "ex.csv": "STUDYID,DOMAIN,USUBJID,EXTRT,EXDOSE,EXDOSU,EXDOSFRQ,EXSTDTC,EXENDTC\n"
                  "S,EX,S-1,IMATINIB,400,mg,QD,2010-01-01,2009-12-01\n"
                  "S,EX,S-1,IMATINIB,400,mg/kg,Q3W,2011-01-01,\n"
                  "S,EX,S-1,IMATINIB,400,mg/kg,Q3W,2011-01-01,\n",
    })
    plan = check_sources(sources)
    got = {(p.file, p.row, p.column): p.message for p in plan.problems}
    assert "an age must be between 0 and 130" in got[("dm.csv", 3, "AGE")]
    assert "ends (2009-12-01) before it starts" in got[("ex.csv", 2, "EXENDTC")]
    assert "dose unit 'mg/kg'" in got[("ex.csv", 3, "EXDOSU")]
    assert "dosing frequency 'Q3W'" in got[("ex.csv", 3, "EXDOSFRQ")]
    assert "duplicate row: identical to row 3" in got[("ex.csv", 4, None)]


def test_the_template_imports_as_it_is(tmp_path):
    import io
    import zipfile

    from cmltrack.ingest.template import template_zip

    with zipfile.ZipFile(io.BytesIO(template_zip())) as z:
        z.extractall(tmp_path / "t")
    assert sorted(p.name for p in (tmp_path / "t").glob("*.csv")) == sorted(f"{t}.csv" for t in LAYOUT)
    plan = import_sources(tmp_path / "t.duckdb", sorted((tmp_path / "t").glob("*.csv")))
    assert plan.counts == {"patients": 1, "treatments": 1, "labs": 1, "responses": 1, "adverse_events": 1,
                           "time_to_event": 0, "mutations": 1, "karyotypes": 1, "concomitant_medications": 1}
    assert set(EXAMPLE) == set(LAYOUT)


def test_excel_workbook_with_one_sheet_per_table(tmp_path):
    path = tmp_path / "clinic.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.read_csv(pd.io.common.StringIO(PATIENTS)).to_excel(xl, sheet_name="patients", index=False)
        pd.DataFrame([{"patient_id": "P1", "drug": "Imatinib", "dose_mg": 400,
                       "start_date": pd.Timestamp("2010-01-01")}]).to_excel(xl, sheet_name="treatments", index=False)
        pd.DataFrame([{"patient_id": "P7", "term": "Rash", "ctcae_grade": 2, "onset_date": "2010-02-01"}]).to_excel(
            xl, sheet_name="adverse_events", index=False)
    plan = check_sources([path])
    assert [(p.file, p.row, p.column) for p in plan.problems] == [("clinic.xlsx [adverse_events]", 2, "patient_id")]
    assert plan.frames["treatments"]["drug"].tolist() == ["imatinib"]  # stored lower case


def test_cml_response_codes_from_adrs_become_milestones(tmp_path):
    """CML per-visit responses (CDISC PARAMCD HEMRESP, CYTORESP, MOLRESP; AVALC CHR, PCYR, CCYR, MMR, MR4, MR4.5)
    are stored where they change; a RECIST overall response of the same patient is kept beside them."""
    sources = _write(tmp_path, {
        "adsl.csv": "STUDYID,USUBJID,SEX,AGE\nS,S-1,F,52\n",
        "adrs.csv": "USUBJID,PARAMCD,AVALC,ADT\n"
                    "S-1,HEMRESP,CHR,2010-03-01\nS-1,HEMRESP,CHR,2010-06-01\n"
                    "S-1,CYTORESP,PCYR,2010-06-01\nS-1,CYTORESP,CCYR,2010-12-01\nS-1,CYTORESP,CCYR,2011-06-01\n"
                    "S-1,MOLRESP,MMR,2011-06-01\nS-1,MOLRESP,MR4,2011-12-01\nS-1,MOLRESP,MR4.5,2012-06-01\n"
                    "S-1,OVR,SD,2010-03-01\nS-1,OVR,PR,2010-06-01\n"
                    "S-1,BOR,PR,2010-06-01\n",  # a best-response summary: not a visit, not imported
    })
    plan = check_sources(sources)
    assert plan.ok, plan.problems
    got = sorted(zip(plan.frames["responses"]["date"].astype(str), plan.frames["responses"]["kind"]))
    assert got == [("2010-03-01", "CHR"), ("2010-06-01", "PCYR"), ("2010-06-01", "PR"), ("2010-12-01", "CCYR"),
                   ("2011-06-01", "MMR"), ("2011-12-01", "MR4"), ("2012-06-01", "MR4.5")]
