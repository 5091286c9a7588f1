"""Importing trials as they are (issue 15): real CDISC datasets and files built from them, altered the way real
files are (unknown onsets, cut .xpt files, the same events twice, placebo spellings, open exposure records, arms,
deaths, LB and CM, encodings, implausible values). Every refusal leaves the database exactly as it was; every
import matches the source's counts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyreadr
import pyreadstat
import pytest

from cmltrack.db.connection import open_readonly
from cmltrack.ingest.plan import check_sources, import_sources
from cmltrack.ingest.problems import ImportRejected
from tests.conftest import fingerprint
from tests.realdata import REALDATA, needs_realdata
from tests.trialfiles import cm_frame, lb_frame

pytestmark = needs_realdata
ROOT = Path(__file__).resolve().parents[2]


def _read(rel: str) -> pd.DataFrame:
    return next(iter(pyreadr.read_r(str(REALDATA / rel)).values()))


@pytest.fixture()
def existing(backend, request, tmp_path_factory, frames):
    """A new database holding the demo cohort (a file, or a PostgreSQL registry on the second backend)."""
    from cmltrack.db.store import write_database
    from tests.conftest import _target

    return write_database(_target(backend, request, tmp_path_factory, "trials"), frames, source="demo")


def _rows(db, sql: str, params: list | None = None) -> list[tuple]:
    with open_readonly(db) as con:
        return con.execute(sql, params or []).fetchall()


def _refused(db, sources: list[Path]) -> list:
    """Import ``sources`` into ``db``, expecting a refusal that leaves the database as it was; the problems."""
    before = fingerprint(db)
    with pytest.raises(ImportRejected) as caught:
        import_sources(db, sources)
    assert fingerprint(db) == before
    return caught.value.problems


# -- 2. ADaM onsets the analysis left missing ------------------------------------------------------------------------

def test_adae_without_astdt_takes_the_sdtm_onset_or_imports_it_as_unknown(tmp_path, existing):
    """pharmaverseadam's ADAE with ASTDT removed from its 26 partial onsets (as an analysis that does not impute
    leaves them): each takes AESTDTC by the partial-date rule, giving admiral's ASTDT; 3 without AESTDTC either are
    imported with the onset unknown. The old importer refused the file: 'column ASTDT: missing (required)'."""
    adsl, adae = _read("pharmaverseadam/adsl.rda"), _read("pharmaverseadam/adae.rda")
    partial = adae["AESTDTC"].str.len() < 10
    expected = adae.loc[partial, ["USUBJID", "AESEQ", "ASTDT"]]
    altered = adae.assign(ASTDT=adae["ASTDT"].where(~partial), ASTDTM=adae["ASTDTM"].where(~partial),
                          ASTDTF=adae["ASTDTF"].where(~partial))
    unknown = altered.index[~partial][:3]
    altered.loc[unknown, ["ASTDT", "AESTDTC", "ASTDTM"]] = None
    adsl.to_csv(tmp_path / "adsl.csv", index=False)
    altered.to_csv(tmp_path / "adae.csv", index=False)
    plan = import_sources(existing, [tmp_path / "adsl.csv", tmp_path / "adae.csv"], mode="replace")
    assert any("26 events without ASTDT take their onset from AESTDTC" in n for n in plan.notes)
    assert any("3 events have no onset date at all" in n for n in plan.notes)
    assert _rows(existing, "SELECT count(*) FROM adverse_events") == [(len(adae),)]
    assert _rows(existing, "SELECT count(*) FROM adverse_events WHERE onset_date IS NULL") == [(3,)]
    # the partial onsets: admiral's own ASTDT, flagged imputed, with their precision
    stored = _rows(existing, "SELECT patient_id, term, onset_date::VARCHAR, onset_precision FROM adverse_events "
                             "WHERE dates_imputed AND onset_date IS NOT NULL ORDER BY 1, 2, 3")
    assert len(stored) == len(expected) == 26
    theirs = adae.loc[partial]
    assert sorted((u, t, str(d)) for u, t, d in zip(theirs["USUBJID"], theirs["AETERM"], theirs["ASTDT"])) == \
        sorted((u, t, d) for u, t, d, _ in stored)
    assert {p for *_, p in stored} == {"month", "year"}


# -- 3. a cut SAS transport file -------------------------------------------------------------------------------------

@pytest.fixture()
def dm_ex_xpt(tmp_path) -> tuple[Path, Path]:
    """pharmaversesdtm DM and EX as SAS transport files (version 5)."""
    dm, ex = _read("pharmaversesdtm/dm.rda"), _read("pharmaversesdtm/ex.rda")
    pyreadstat.write_xport(dm, str(tmp_path / "dm.xpt"), table_name="DM", file_format_version=5)
    pyreadstat.write_xport(ex, str(tmp_path / "ex.xpt"), table_name="EX", file_format_version=5)
    return tmp_path / "dm.xpt", tmp_path / "ex.xpt"


def _cut(path: Path, keep: int, name: str) -> Path:
    out = path.with_name(name)
    out.write_bytes(path.read_bytes()[:keep])
    return out


def test_whole_xpt_files_import_every_record(dm_ex_xpt):
    plan = check_sources(list(dm_ex_xpt))
    assert plan.ok, plan.problems[:3]
    assert plan.counts["patients"] == 306 and plan.counts["treatments"] == 591


def test_a_cut_xpt_is_refused_naming_the_file(dm_ex_xpt, tmp_path, existing):
    """Cut in the middle of a record (length not a multiple of 80) or at a record boundary inside an observation
    (the last observation incomplete): refused, the file named, the database unchanged. The old importer read up to
    the cut and imported 259 of EX's 591 rows without a word."""
    dm, ex = dm_ex_xpt
    size = ex.stat().st_size
    odd = _cut(ex, int(size * 0.45), "ex_odd.xpt")
    assert odd.stat().st_size % 80
    whole = pyreadstat.read_xport(str(ex))[1]
    width = sum(whole.variable_storage_width.values())
    boundary = next(k * 80 for k in range(size // 160, size // 80) if (k * 80 - 1040) % width)  # inside an obs
    inside = _cut(ex, boundary, "ex_inside.xpt")
    problems = _refused(existing, [dm, odd, inside])
    said = {p.file: p.message for p in problems}
    assert "is cut short: its length" in said["ex_odd.xpt"] and "not a whole number of 80-byte records" in \
        said["ex_odd.xpt"]
    assert "is cut short: the last observation of member EX" in said["ex_inside.xpt"]
    assert all(p.row is None for p in problems if p.file.startswith("ex_"))


def test_a_cut_version_8_xpt_is_refused_by_its_declared_count(tmp_path):
    dm = _read("pharmaversesdtm/dm.rda")
    pyreadstat.write_xport(dm, str(tmp_path / "dm.xpt"), table_name="DM", file_format_version=8)
    data = (tmp_path / "dm.xpt").read_bytes()
    whole = pyreadstat.read_xport(str(tmp_path / "dm.xpt"))[1]
    width = sum(whole.variable_storage_width.values())
    start = data.index(b"OBSV8   HEADER RECORD") - 20 + 80
    keep = start + 131 * width  # 131 whole observations, ending on a record boundary or padded as SAS pads
    cut = data[:keep] + b" " * (-keep % 80)
    (tmp_path / "dm_cut.xpt").write_bytes(cut)
    plan = check_sources([tmp_path / "dm_cut.xpt"])
    assert [str(p) for p in plan.problems] == [
        "dm_cut.xpt: is cut short: member DM holds 131 of the 306 observations its header declares. Copy or export "
        "it again"]


def test_a_file_that_is_not_an_xpt_says_so_in_words(tmp_path):
    (tmp_path / "dm.xpt").write_text("STUDYID,USUBJID,SEX\nS,S-1,F\n")
    (tmp_path / "ae.xpt").write_bytes(b"PK\x03\x04" + bytes(200))
    plan = check_sources([tmp_path / "dm.xpt", tmp_path / "ae.xpt"])
    said = {p.file: p.message for p in plan.problems}
    assert said["dm.xpt"] == ("is not a SAS transport (XPORT) file: it is text with delimiters (a CSV file renamed "
                              ".xpt?): give it the .csv suffix")
    assert said["ae.xpt"].startswith("is not a SAS transport (XPORT) file: it is a zip archive")


# -- 4. the same adverse events twice --------------------------------------------------------------------------------

def test_two_versions_of_ae_are_refused_with_both_rows_named(tmp_path, existing):
    ae = _read("pharmaversesdtm/ae.rda")
    ae.iloc[:40].to_csv(tmp_path / "ae_v2.csv", index=False)  # a second delivery repeating the first 40 events
    problems = _refused(existing, [REALDATA / "pharmaversesdtm/dm.rda", REALDATA / "pharmaversesdtm/ae.rda",
                                   tmp_path / "ae_v2.csv"])
    doubled = [p for p in problems if "duplicate row" in p.message]
    assert len(doubled) == 40
    assert any(p.file == "ae_v2.csv" and p.row == 2 and p.column == "AESTDTC" and p.message ==
               "duplicate row: same USUBJID, AETERM, AESTDTC, AESEQ as row 1 of ae.rda" for p in doubled), doubled[:2]


def test_sdtm_ae_beside_its_adae_is_taken_once_and_said_so(existing):
    plan = import_sources(existing, [REALDATA / "pharmaverseadam/adsl.rda", REALDATA / "pharmaverseadam/adae.rda",
                                     REALDATA / "pharmaversesdtm/ae.rda"], mode="replace")
    assert _rows(existing, "SELECT count(*) FROM adverse_events") == [(1191,)]  # not 2382
    assert "adverse events: 1191 records of ae.rda are also in adae.rda (same patient_id, term, onset_date, seq): " \
           "each is taken once, from the ADaM dataset" in plan.notes


def test_the_same_event_twice_in_the_projects_layout_is_refused(tmp_path):
    (tmp_path / "patients.csv").write_text("patient_id,sex\nP1,F\n")
    (tmp_path / "adverse_events.csv").write_text(
        "patient_id,term,ctcae_grade,onset_date\nP1,Rash,1,2010-03-01\nP1,Rash,2,2010-03-01\nP1,Rash,1,2010-04-01\n")
    plan = check_sources([tmp_path / "patients.csv", tmp_path / "adverse_events.csv"])
    assert [str(p) for p in plan.problems] == ["adverse_events.csv, row 3, column onset_date: duplicate row: same "
                                               "patient_id, term, onset_date as row 2 of adverse_events.csv"]


# -- 5. placebo spelled otherwise ------------------------------------------------------------------------------------

def test_placebo_spellings_are_placebo(tmp_path):
    (tmp_path / "dm.csv").write_text("USUBJID,SEX\nS-1,F\nS-2,M\nS-3,F\n")
    (tmp_path / "ex.csv").write_text(
        "USUBJID,EXTRT,EXDOSE,EXDOSU,EXSTDTC,EXENDTC\nS-1,PLACEBO TABLET,0,mg,2013-01-01,2013-02-01\n"
        "S-2,Placebo patch,0,mg,2013-01-01,2013-02-01\nS-3,XANOMELINE,0,mg,2013-01-01,2013-02-01\n")
    plan = check_sources([tmp_path / "dm.csv", tmp_path / "ex.csv"])
    assert plan.ok, plan.problems
    t = plan.frames["treatments"]
    assert sorted(zip(t["patient_id"], t["drug"], t["dose_mg"])) == [("S-1", "placebo", 0), ("S-2", "placebo", 0)]
    assert "ex.csv: 'PLACEBO TABLET' (1), 'Placebo patch' (1) stored as placebo (0 mg segments kept, drawn as " \
           "placebo)" in plan.notes
    assert any("1 records at 0 mg of an active drug (dose held)" in n for n in plan.notes)  # xanomeline: a hold


# -- 6. validate and import agree ------------------------------------------------------------------------------------

def test_adverse_events_without_serious_validate_and_import_alike(tmp_path, existing):
    """The old importer said 'valid', then the write failed on NOT NULL serious with a traceback."""
    (tmp_path / "patients.csv").write_text("patient_id,sex\nNEW-1,F\n")
    (tmp_path / "adverse_events.csv").write_text("patient_id,term,ctcae_grade,onset_date\nNEW-1,Rash,1,2010-03-01\n")
    files = [str(tmp_path / "patients.csv"), str(tmp_path / "adverse_events.csv")]
    runs = [subprocess.run([sys.executable, "-m", "cmltrack", command, "--db", str(existing), *files], cwd=ROOT,
                           capture_output=True, text=True, timeout=120) for command in ("validate", "import")]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert "valid: would import 1 patients, 1 adverse_events" in runs[0].stdout
    assert _rows(existing, "SELECT term, serious FROM adverse_events WHERE patient_id = 'NEW-1'") == [("Rash", None)]


def test_what_the_database_would_refuse_is_found_by_validation(tmp_path, existing):
    """A death date for a patient marked alive passes every field check, but not the schema's: validation says so
    (file and column), the same as the write would, and the database is unchanged."""
    (tmp_path / "patients.csv").write_text("patient_id,sex,died,death_date\nNEW-1,F,N,2012-03-01\n")
    assert not check_sources([tmp_path / "patients.csv"]).ok
    problems = _refused(existing, [tmp_path / "patients.csv"])
    assert [(p.file, p.row) for p in problems] == [("patients.csv", None)]
    assert problems[0].message.startswith("the database refuses these patients: Constraint Error: CHECK constraint")


# -- 7. an exposure record without an end --------------------------------------------------------------------------

def test_open_exposure_ends_at_the_subjects_end_of_exposure(tmp_path):
    (tmp_path / "dm.csv").write_text("USUBJID,SEX,RFXENDTC,RFPENDTC\nS-1,F,2013-06-30,2013-09-01\n"
                                     "S-2,M,,2013-08-15\nS-3,F,,\n")
    (tmp_path / "ex.csv").write_text("USUBJID,EXTRT,EXDOSE,EXSTDTC,EXENDTC\nS-1,IMATINIB,400,2013-01-01,\n"
                                     "S-2,IMATINIB,400,2013-02-01,\nS-3,IMATINIB,400,2013-03-01,\n")
    plan = check_sources([tmp_path / "dm.csv", tmp_path / "ex.csv"])
    t = plan.frames["treatments"].sort_values("patient_id")
    assert [str(d) if d is not None else None for d in t["end_date"]] == ["2013-06-30", "2013-08-15", None]
    assert t["dates_imputed"].tolist() == [True, True, False]  # S-3: nothing says treatment ended; ongoing


# -- 8. arm, death, relatedness, last contact, LB, CM ----------------------------------------------------------------

def test_arm_death_relatedness_and_last_contact_from_the_adam(existing):
    adsl, adae = _read("pharmaverseadam/adsl.rda"), _read("pharmaverseadam/adae.rda")
    import_sources(existing, [REALDATA / "pharmaverseadam/adsl.rda", REALDATA / "pharmaverseadam/adae.rda"],
                   mode="replace")
    arms = dict(_rows(existing, "SELECT arm, count(*) FROM patients GROUP BY arm"))
    assert arms == adsl["TRT01P"].value_counts().to_dict()
    assert _rows(existing, "SELECT count(*) FROM patients WHERE arm <> actual_arm") == [(12,)]
    died = _rows(existing, "SELECT patient_id, death_date::VARCHAR FROM patients WHERE died ORDER BY 1")
    theirs = adsl[adsl["DTHFL"] == "Y"].sort_values("USUBJID")
    assert died == [(u, str(d)) for u, d in zip(theirs["USUBJID"], theirs["DTHDT"])]
    assert _rows(existing, "SELECT count(*) FROM patients WHERE NOT died") == [(len(adsl) - len(theirs),)]
    related = dict(_rows(existing, "SELECT relatedness, count(*) FROM adverse_events GROUP BY relatedness"))
    assert related == {**adae["AEREL"].value_counts().to_dict(), None: int(adae["AEREL"].isna().sum())}
    # last contact: LSTALVDT, else (the 52 screen failures without one) RFPENDTC
    contact = dict(_rows(existing, "SELECT patient_id, last_contact_date::VARCHAR FROM patients"))
    fallback = adsl[adsl["LSTALVDT"].isna()]
    assert len(fallback) == 52
    assert all(contact[u] == str(r)[:10] for u, r in zip(fallback["USUBJID"], fallback["RFPENDTC"]))


def test_sdtm_lb_and_cm(tmp_path, existing):
    lb_frame().to_csv(tmp_path / "lb.csv", index=False)
    cm_frame().to_csv(tmp_path / "cm.csv", index=False)
    plan = import_sources(existing, [REALDATA / "pharmaversesdtm/dm.rda", tmp_path / "lb.csv", tmp_path / "cm.csv"],
                          mode="replace")
    assert plan.counts["labs"] == 5 and plan.counts["concomitant_medications"] == 4
    assert "lb.csv: 2 records of tests labs has no column for are not imported: CREAT (2)" in plan.notes
    labs = _rows(existing, "SELECT patient_id, date::VARCHAR, wbc, hb, platelets, blasts_pct, basophils_pct, "
                           "immature_granulocytes_pct, neutrophils FROM labs ORDER BY 1, 2")
    assert labs[0] == ("01-701-1015", "2014-01-02", 12.4, 118.0, 480.0, 3.0, 6.0, 4.0, 7.44)  # HGB 11.8 g/dL
    assert labs[3][:7] == ("01-701-1023", "2012-08-10", 20.0, 128.0, 600.0, 2.0, 5.0)  # 0.4 and 1.0 of 20 x10^9/L
    assert labs[4][5:7] == pytest.approx((100 * 0.4 / 9.5, 100 * 1.0 / 9.5))
    meds = _rows(existing, "SELECT decoded, start_date::VARCHAR, end_date::VARCHAR, dates_imputed FROM "
                           "concomitant_medications ORDER BY 1")
    assert meds == [("ACETAMINOPHEN", "2014-01-10", "2014-01-12", False),
                    ("ACETYLSALICYLIC ACID", None, None, False), ("LISINOPRIL", "2012-07-01", None, False),
                    ("ONDANSETRON", "2014-02-01", "2014-02-20", True)]


def test_lb_units_it_cannot_convert_are_errors(tmp_path):
    lb = lb_frame()
    lb.loc[lb["LBTESTCD"] == "HGB", "LBSTRESU"] = "mg/dL"
    lb.to_csv(tmp_path / "lb.csv", index=False)
    plan = check_sources([REALDATA / "pharmaversesdtm/dm.rda", tmp_path / "lb.csv"])
    bad = [p for p in plan.problems if p.column == "LBSTRESU"]
    assert len(bad) == 5 and "unit 'mg/dL' of HGB" in bad[0].message and bad[0].file == "lb.csv"


# -- 9. messages -----------------------------------------------------------------------------------------------------

def test_two_sources_of_one_name_are_told_apart_by_their_path(tmp_path):
    for folder in ("sdtm", "sdtm_v2"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "patients.csv").write_text("patient_id,sex\nP1,F\n")
    a, b = tmp_path / "sdtm" / "patients.csv", tmp_path / "sdtm_v2" / "patients.csv"
    plan = check_sources([a, b])
    assert [str(p) for p in plan.problems] == [f"{b}, row 2, column patient_id: duplicate row: same patient_id as "
                                               f"row 2 of {a}"]
    uploads = check_sources([(a, "patients.csv"), (b, "patients.csv")])
    assert {p.file for p in uploads.problems} == {"patients.csv (upload 2)"}


def test_an_encoding_failure_names_the_encoding_the_line_and_the_fix(tmp_path):
    (tmp_path / "patients.csv").write_bytes("patient_id,sex,display_name\nP1,F,Ann\nP2,M,Jos\xe9\n".encode("cp1252"))
    plan = check_sources([tmp_path / "patients.csv"])
    [problem] = plan.problems
    assert (problem.file, problem.row, problem.column) == ("patients.csv", 3, None)
    assert "is not UTF-8 text (the encoding tried): this line holds byte 0xE9" in problem.message
    assert "Save it again as UTF-8" in problem.message


def test_an_xpt_in_utf8_is_read_as_utf8_and_an_undecodable_one_is_named(tmp_path):
    frame = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "SEX": ["F", "M"], "SITE": ["Zürich", "Köln"]})
    pyreadstat.write_xport(frame, str(tmp_path / "dm.xpt"), table_name="DM")  # pyreadstat writes UTF-8 text
    plan = check_sources([tmp_path / "dm.xpt"])
    assert plan.ok and plan.datasets[0].records == 2
    data = bytearray((tmp_path / "dm.xpt").read_bytes())
    data[data.index("Köln".encode()) + 1] = 0x81  # undefined in WINDOWS-1252, not UTF-8 either
    (tmp_path / "bad.xpt").write_bytes(bytes(data))
    [problem] = check_sources([tmp_path / "bad.xpt"]).problems
    assert "record 2, variable SITE, holds byte 0x81, which neither UTF-8 nor WINDOWS-1252 can decode" in \
        problem.message


# -- 10. plausibility ------------------------------------------------------------------------------------------------

def test_implausible_values_are_errors_or_warnings_with_file_row_and_column(tmp_path):
    (tmp_path / "patients.csv").write_text(
        "patient_id,sex,birth_date,age_at_entry\nP1,F,1960-01-01,\nP2,M,2011-05-01,\nP3,F,,111\nP4,F,1899-01-01,\n"
        "P5,M,1899-01-02,110\n")
    (tmp_path / "treatments.csv").write_text(
        "patient_id,drug,dose_mg,start_date,end_date\nP1,imatinib,400,2010-01-01,2099-01-01\n"
        "P2,imatinib,400,2010-01-01,\nP3,imatinib,1000,2010-01-01,\nP4,thalidomide,40000,2010-01-01,\n"
        "P5,imatinib,800,2010-01-01,\n")
    plan = check_sources([tmp_path / "patients.csv", tmp_path / "treatments.csv"])
    errors = {(p.file, p.row, p.column): p.message for p in plan.problems}
    warnings = {(p.file, p.row, p.column): p.message for p in plan.warnings}
    assert "2099-01-01 is in the future" in errors[("treatments.csv", 2, "end_date")]
    assert errors[("patients.csv", 3, "birth_date")] == ("born 2011-05-01, after the first treatment (2010-01-01, "
                                                          "row 3 of treatments.csv)")
    assert "thalidomide 40000 mg a day cannot be a daily dose" in errors[("treatments.csv", 5, "dose_mg")]
    assert warnings[("patients.csv", 4, "age_at_entry")] == "an age of 111 years (over 110): check it"
    # over 110 in completed years at the first treatment: 111 is, 110 (P5, a day short of 111) is not
    assert warnings[("patients.csv", 5, "birth_date")] == ("born 1899-01-01: 111 years old by 2010-01-01 (over "
                                                           "110); check it")
    assert warnings[("treatments.csv", 4, "dose_mg")] == ("imatinib 1000 mg a day is outside the label's 100-800 mg "
                                                          "a day")
    assert len(errors) == 3 and len(warnings) == 3
