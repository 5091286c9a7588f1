"""Each real public CDISC dataset imports, with counts checked against the source read independently (pyreadr)."""

from __future__ import annotations

import pandas as pd
import pyreadr
import pytest

from cmltrack.db.connection import Connection, open_readonly
from cmltrack.ingest.plan import check_sources, import_sources
from tests.realdata import REALDATA, needs_realdata

pytestmark = needs_realdata


def _read(rel: str) -> pd.DataFrame:
    return next(iter(pyreadr.read_r(str(REALDATA / rel)).values()))


@pytest.fixture()
def where(backend, request, tmp_path_factory):
    """A new import target on each call: a DuckDB file, or a PostgreSQL registry (the second backend)."""
    from tests.conftest import _target

    return lambda: _target(backend, request, tmp_path_factory, "realdata")


def _db(where, rels: list[str]) -> Connection:
    path = where()
    import_sources(path, [REALDATA / r for r in rels], mode="replace")
    return open_readonly(path)


def _one(con, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchone()[0]


def _milestones(frame: pd.DataFrame, subject: str, test: str, value: str, date: str) -> int:
    """Independent count of stored responses: per subject and test, each change of value that is CR, PR or PD."""
    n = 0
    for _, rows in frame.sort_values([subject, date]).groupby([subject, test]):
        previous = None
        for v in rows[value]:
            if v != previous and v in ("CR", "PR", "PD"):
                n += 1
            previous = v
    return n


def test_pharmaverseadam(where):
    adsl, adex, adae = _read("pharmaverseadam/adsl.rda"), _read("pharmaverseadam/adex.rda"), _read(
        "pharmaverseadam/adae.rda")
    adrs, adtte = _read("pharmaverseadam/adrs_onco.rda"), _read("pharmaverseadam/adtte_onco.rda")
    con = _db(where, ["pharmaverseadam/adsl.rda", "pharmaverseadam/adex.rda", "pharmaverseadam/adae.rda",
                         "pharmaverseadam/adrs_onco.rda", "pharmaverseadam/adtte_onco.rda"])
    assert _one(con, "SELECT count(*) FROM patients") == adsl["USUBJID"].nunique() == 306
    dose = adex[adex["PARAMCD"] == "DOSE"]
    held = (dose["EXDOSE"] == 0) & (dose["EXTRT"] != "PLACEBO")  # 0 mg of the active drug: a dose hold, a gap
    assert _one(con, "SELECT count(*) FROM treatments") == len(dose) - int(held.sum()) == 588
    assert _one(con, "SELECT count(*) FROM treatments WHERE drug = 'placebo' AND dose_mg = 0") == int(
        (dose["EXTRT"] == "PLACEBO").sum())
    assert _one(con, "SELECT count(*) FROM adverse_events") == len(adae) == 1191
    # ADAE has severity only: every grade is mapped from AESEV and marked as such
    assert _one(con, "SELECT count(*) FROM adverse_events WHERE grade_source = 'severity'") == 1191
    severe = int((adae["ASEV"] == "SEVERE").sum())
    assert _one(con, "SELECT count(*) FROM adverse_events WHERE ctcae_grade = 3") == severe
    assert _one(con, "SELECT count(*) FROM adverse_events WHERE end_date IS NULL") == int(adae["AENDT"].isna().sum())
    assert _one(con, "SELECT count(*) FROM adverse_events WHERE dates_imputed") == int(adae["ASTDTF"].notna().sum())
    ovr = adrs[adrs["PARAMCD"] == "OVR"]
    assert _one(con, "SELECT count(*) FROM responses") == _milestones(ovr, "USUBJID", "PARAMCD", "AVALC", "ADT")
    assert _one(con, "SELECT count(*) FROM time_to_event") == len(adtte) == 512
    assert _one(con, "SELECT count(*) FROM time_to_event WHERE NOT censored") == int((adtte["CNSR"] == 0).sum())


def test_pharmaversesdtm_with_two_assessors_and_partial_dates(where):
    dm, ex, ae, rs = (_read(f"pharmaversesdtm/{n}.rda") for n in ("dm", "ex", "ae", "rs_onco"))
    con = _db(where, [f"pharmaversesdtm/{n}.rda" for n in ("dm", "ex", "ae", "rs_onco")])
    assert _one(con, "SELECT count(*) FROM patients") == len(dm) == 306
    assert _one(con, "SELECT count(*) FROM treatments") == len(ex) == 591
    # the 6 exposure records without EXENDTC are of subjects who ended treatment: none is left "ongoing"; each ends
    # at the subject's RFXENDTC (else, without one, at RFPENDTC), or on its own first day when it began after that
    assert _one(con, "SELECT count(*) FROM treatments WHERE end_date IS NULL") == 0
    open_ = ex[ex["EXENDTC"].isna()].merge(dm[["USUBJID", "RFXENDTC", "RFPENDTC"]], on="USUBJID")
    assert len(open_) == 6
    end = open_["RFXENDTC"].fillna(open_["RFPENDTC"]).str[:10]
    expected = sorted(zip(open_["USUBJID"], open_["EXSTDTC"], [max(e, s) for e, s in zip(end, open_["EXSTDTC"])]))
    stored = con.execute("SELECT patient_id, start_date::VARCHAR, end_date::VARCHAR FROM treatments WHERE "
                         "patient_id = ANY(?::VARCHAR[]) AND start_date = ANY(?::DATE[]) AND dates_imputed",
                         [list(open_["USUBJID"]), list(open_["EXSTDTC"])]).fetchall()
    assert sorted(stored) == expected
    assert _one(con, "SELECT count(*) FROM adverse_events") == len(ae) == 1191
    # the accepted assessment (RSACPTFL = 'Y') of each visit where two radiologists read it
    overall = rs[rs["RSTESTCD"] == "OVRLRESP"]
    accepted = overall[(overall["RSACPTFL"] == "Y") & (overall["RSSTRESC"] != "CHECK")]
    assert _one(con, "SELECT count(*) FROM responses") == _milestones(accepted, "USUBJID", "RSTESTCD", "RSSTRESC",
                                                                      "RSDTC") == 342


def test_sdtm_partial_dates_are_completed_as_admiral_does_for_the_adam(where):
    """The rule for partial onset dates gives, for every one of the SDTM's 26 partial AESTDTC, the ASTDT that admiral
    derived for the same event in pharmaverseadam (first day of the month, or 1 January)."""
    con = _db(where, ["pharmaversesdtm/dm.rda", "pharmaversesdtm/ae.rda"])
    ours = con.execute("SELECT patient_id, term, onset_date FROM adverse_events WHERE dates_imputed").df()
    adae = _read("pharmaverseadam/adae.rda")
    partial = adae[adae["AESTDTC"].str.len() < 10]
    theirs = partial[["USUBJID", "AETERM", "ASTDT"]].rename(columns={"USUBJID": "patient_id", "AETERM": "term"})
    assert len(ours) == len(theirs) == 26
    mine = sorted(zip(ours["patient_id"], ours["term"], pd.to_datetime(ours["onset_date"]).dt.date))
    assert mine == sorted(zip(theirs["patient_id"], theirs["term"], theirs["ASTDT"]))


def test_recist_subset_partial_assessment_date_and_accepted_assessor(where):
    con = _db(where, ["pharmaversesdtm/dm.rda", "pharmaversesdtm/rs_onco_recist.rda"])
    rows = con.execute("SELECT date::VARCHAR, kind, date_imputed FROM responses WHERE patient_id = '01-701-1015'"
                       ).fetchall()
    # SD (week 3), NE (2014-02, partial: not a milestone), CR on 2014-03-06 by the accepted radiologist
    assert rows == [("2014-03-06", "CR", False)]


def test_random_cdisc_data(where):
    cadsl, cadex, cadae = (_read(f"random.cdisc.data/{n}.RData") for n in ("cadsl", "cadex", "cadae"))
    cadrs, cadtte = _read("random.cdisc.data/cadrs.RData"), _read("random.cdisc.data/cadtte.RData")
    con = _db(where, [f"random.cdisc.data/{n}.RData" for n in ("cadsl", "cadex", "cadae", "cadrs", "cadtte")])
    assert _one(con, "SELECT count(*) FROM patients") == len(cadsl) == 400
    assert _one(con, "SELECT count(*) FROM treatments") == int((cadex["PARAMCD"] == "DOSE").sum()) == 2800
    assert _one(con, "SELECT count(DISTINCT drug) FROM treatments") == cadex["PARCAT2"].nunique() == 2
    assert _one(con, "SELECT count(*) FROM adverse_events") == len(cadae) == 1934
    # AETOXGR exists: every grade is a CTCAE grade, distributed as in the source
    assert _one(con, "SELECT count(*) FROM adverse_events WHERE grade_source = 'CTCAE'") == 1934
    for grade in range(1, 6):
        assert _one(con, "SELECT count(*) FROM adverse_events WHERE ctcae_grade = ?", [grade]) == int(
            (cadae["AETOXGR"].astype(int) == grade).sum())
    visits = cadrs[cadrs["PARAMCD"] == "OVRINV"].assign(day=lambda f: f["ADTM"].dt.date)
    stored = _one(con, "SELECT count(*) FROM responses")
    assert stored == _milestones(visits, "USUBJID", "PARAMCD", "AVALC", "ADTM") - _same_day_repeats(visits)
    assert _one(con, "SELECT count(*) FROM time_to_event") == int((cadtte["AVALU"] == "DAYS").sum()) == 1600


def _same_day_repeats(visits: pd.DataFrame) -> int:
    """Milestones of the same kind twice on one day (two visits dated alike) are one fact."""
    n = 0
    for _, rows in visits.sort_values(["USUBJID", "ADTM"]).groupby("USUBJID"):
        previous, seen = None, set()
        for v, day in zip(rows["AVALC"], rows["day"]):
            if v != previous and v in ("CR", "PR", "PD"):
                n += (v, day) in seen
                seen.add((v, day))
            previous = v
    return n


@pytest.mark.parametrize("rel", ["pharmaversesdtm/ds.rda", "pharmaversesdtm/suppdm.rda", "pharmaversesdtm/tu_onco.rda"])
def test_datasets_cmltrack_does_not_read_are_named_not_imported(rel):
    plan = check_sources([REALDATA / rel])
    assert plan.ok and plan.datasets[0].table is None
    assert any("not imported" in n for n in plan.notes)


def test_adam_and_sdtm_of_one_study_agree(where):
    """The same trial through ADaM and through SDTM gives the same patients, exposure and adverse events."""
    adam = _db(where, ["pharmaverseadam/adsl.rda", "pharmaverseadam/adae.rda"])
    sql = "SELECT patient_id, meddra_pt, ctcae_grade, onset_date FROM adverse_events ORDER BY 1, 2, 3, 4"
    a = adam.execute(sql).fetchall()
    adam.close()
    sdtm = _db(where, ["pharmaversesdtm/dm.rda", "pharmaversesdtm/ae.rda"])
    assert sdtm.execute(sql).fetchall() == a


def test_the_same_datasets_as_sas_transport_parquet_and_csv(tmp_path):
    """SAS .xpt (read by pyreadstat with an explicit WINDOWS-1252 encoding), Parquet and CSV give what the .rda
    gives."""
    import pyreadstat

    dm, ae = _read("pharmaversesdtm/dm.rda"), _read("pharmaversesdtm/ae.rda")
    pyreadstat.write_xport(dm, str(tmp_path / "dm.xpt"), table_name="DM", file_format_version=5)
    ae.to_parquet(tmp_path / "ae.parquet")
    plan = check_sources([tmp_path / "dm.xpt", tmp_path / "ae.parquet"])
    assert plan.ok, plan.problems[:5]
    assert plan.counts["patients"] == 306 and plan.counts["adverse_events"] == 1191
    reference = check_sources([REALDATA / "pharmaversesdtm/dm.rda", REALDATA / "pharmaversesdtm/ae.rda"])
    pd.testing.assert_frame_equal(plan.frames["adverse_events"], reference.frames["adverse_events"])
    csv = check_sources([REALDATA / "pharmaverseadam/adsl.csv"])  # the ADaM as delivered in CSV
    assert csv.ok and csv.counts["patients"] == 306
