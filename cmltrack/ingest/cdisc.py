"""CDISC ADaM (ADSL, ADEX, ADRS, ADAE, ADTTE) and SDTM (DM, EX, RS, AE, LB, CM) datasets mapped onto cmltrack's
tables.

Variable names per ../shared/DOMAIN.md "CDISC names an importer accepts". ADaM analysis dates (ASTDT, ADT, ...) are
preferred over SDTM character dates (--DTC), whose partial values are completed by cmltrack.ingest.dates; where an
ADaM left its analysis date missing (a year-only onset, say), the SDTM date it carries is used row by row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cmltrack.clinical.tfr import stored_reason
from cmltrack.clinical.units import MONTH_DAYS
from cmltrack.db.schema import PLACEBO
from cmltrack.ingest import drugs
from cmltrack.ingest.fields import Field, convert
from cmltrack.ingest.lb import map_lb
from cmltrack.ingest.mapped import Mapped, first, with_dates
from cmltrack.ingest.native import RESPONSE_CODES
from cmltrack.ingest.problems import Problem
from cmltrack.ingest.readers import Dataset

_SEX = {"F": "F", "M": "M", "U": "U", "UNDIFFERENTIATED": "U", "UNKNOWN": "U"}
#: Daily administrations per dosing frequency (CDISC CT FREQ); the dose is stored per day.
PER_DAY: dict[str, float] = {"QD": 1, "ONCE": 1, "Q24H": 1, "EVERY DAY": 1, "BID": 2, "Q12H": 2, "TID": 3,
                             "Q8H": 3, "QID": 4, "Q6H": 4}
#: Severity (AESEV) to a CTCAE grade, used only when no toxicity grade exists (grade_source 'severity').
SEVERITY_GRADE: dict[str, int] = {"MILD": 1, "MODERATE": 2, "SEVERE": 3}
#: Response tests read (per visit): RECIST overall response and the CML response families.
RESPONSE_TESTS: dict[str, str] = {"OVRLRESP": "recist", "OVR": "recist", "OVRINV": "recist",
                                  "HEMRESP": "hematologic", "CYTORESP": "cytogenetic", "MOLRESP": "molecular",
                                  "BCRABL": "molecular"}
#: Assessed values that are not milestones (stable disease, not evaluable, ...): they end a run of the same
#: response but are not stored.
NOT_MILESTONES: tuple[str, ...] = ("SD", "NE", "NON-CR/NON-PD", "NON-PD", "NON-CR", "MISSING", "NA", "UNK",
                                   "NOT EVALUABLE", "NONE", "NR", "NO RESPONSE")
_SKIP = "-"
_DAYS_PER: dict[str, float] = {"DAYS": 1, "DAY": 1, "WEEKS": 7, "MONTHS": MONTH_DAYS, "YEARS": 12 * MONTH_DAYS}


#: Variables only ADaM datasets carry: a dataset holding any of them is ADaM, any other CDISC dataset SDTM.
ADAM_VARIABLES = frozenset({"PARAMCD", "ASTDT", "ASTDTM", "ADT", "ADTM", "TRTSDT", "TRTSDTM", "TRT01P", "TRT01A",
                            "AVAL", "AVALC", "CNSR"})
#: Dates of the end of a subject's exposure to study treatment (ADSL, DM), then of the subject's participation: an
#: exposure record without an end date is closed there (cmltrack.ingest.trial), not shown as ongoing.
EXPOSURE_END = ("TRTEDT", "TRTEDTM", "RFXENDTC")
STUDY_END = ("EOSDT", "RFPENDTC", "RFPENDT")
_DEATH_FLAG = {"Y": True, "N": False}


def standard_of(f: pd.DataFrame) -> str:
    """'ADaM' or 'SDTM', from the dataset's variables."""
    return "ADaM" if {str(c).upper() for c in f.columns} & ADAM_VARIABLES else "SDTM"


def kind_of(dataset: Dataset) -> str | None:
    """Which cmltrack table a CDISC dataset feeds, from its variables; None when it feeds none."""
    f = dataset.frame
    cols = {str(c).upper() for c in f.columns}
    if "USUBJID" not in cols:
        return None
    if cols & {"AETERM", "AEDECOD"}:
        return "adverse_events"
    if "CMTRT" in cols:
        return "concomitant_medications"
    if "LBTESTCD" in cols:
        return "labs"
    if {"PARAMCD", "CNSR"} <= cols:
        return "time_to_event"
    if "EXTRT" in cols or ({"PARAMCD", "PARCAT2"} <= cols and cols & {"EXSTDTC", "ASTDTM", "ASTDT"}):
        return "treatments"
    if "RSTESTCD" in cols or ({"PARAMCD", "AVALC"} <= cols and cols & {"ADT", "ADTM"}):
        return "responses"
    if "SEX" in cols and "PARAMCD" not in cols and not (cols & {"DSTERM", "QNAM", "TRTESTCD", "TUTESTCD"}):
        return "patients"
    return None


def _imputed(out: pd.DataFrame, f: pd.DataFrame, columns: tuple[str, ...],
             flags: tuple[str, ...] = ("ASTDTF", "AENDTF")) -> pd.Series:
    """Whether each row's dates were completed: by the partial-date rule (``columns``) or already by the ADaM (its
    imputation flags, e.g. ASTDTF = 'D')."""
    imputed = out[list(columns)].fillna(False).astype(bool).any(axis=1)
    for c in flags:
        if c in f:
            flagged = f[c].notna() & (f[c].astype("string").str.strip() != "").fillna(False)
            imputed |= flagged.reindex(out.index, fill_value=False).astype(bool)
    return imputed


def _duplicates(dataset: Dataset, f: pd.DataFrame) -> list[Problem]:
    """Identical records (every variable equal) are an error: a dataset never holds the same record twice."""
    text = f.astype("string").fillna("\x00missing")
    dup = text.duplicated(keep="first")
    if not dup.any():
        return []
    first = text.reset_index().groupby(list(f.columns.astype(str)), sort=False, dropna=False)["index"].transform(
        "first")
    first.index = f.index
    rows = dataset.rows
    return [Problem(dataset.label, int(rows[i]), None, f"duplicate row: identical to row {int(rows[first[i]])}")
            for i in f.index[dup]]


def _patients(ds: Dataset, f: pd.DataFrame) -> Mapped:
    fields = [Field("patient_id", "USUBJID", required=True),
              Field("sex", "SEX", "code", required=True, codes=_SEX),
              Field("birth_date", first(f, "BRTHDT", "BRTHDTC") or "BRTHDTC", "date", role="birth"),
              Field("age_at_entry", "AGE", "integer", low=0, high=130, what="an age"),
              Field("arm", first(f, "TRT01P", "ARM") or "ARM"),
              Field("actual_arm", first(f, "TRT01A", "ACTARM") or "ACTARM"),
              Field("_dthfl", "DTHFL", "code", codes=_DEATH_FLAG)]
    out, problems = convert(f, fields, ds.label, ds.rows, ds.name)
    # row by row: the last date known alive, else the end of participation (the derivation falls back further, to
    # the patient's last dated record)
    out, more = with_dates(ds, f, out, (("last_contact_date", ("LSTALVDT", "RFPENDTC", "RFPENDT"), "end", False),
                                        ("death_date", ("DTHDT", "DTHDTC"), "start", False),  # admiral: first day
                                        ("_exposure_end", EXPOSURE_END, "end", False),
                                        ("_study_end", STUDY_END, "end", False)))
    problems += more
    known = "DTHFL" in f or any(c in f for c in ("DTHDT", "DTHDTC"))
    died = out["_dthfl"].astype(object).where(out["_dthfl"].notna(), False if known else None)
    out["died"] = died.where(out["death_date"].isna(), True)
    if "AGEU" in f:
        other = f["AGEU"].notna() & ~f["AGEU"].astype(str).str.upper().isin(["YEARS", "YEAR", ""])
        problems += [Problem(ds.label, int(ds.rows[i]), "AGEU", f"age unit {f.at[i, 'AGEU']!r}: ages are in years")
                     for i in f.index[other]]
    return Mapped("patients", out.drop(columns="_dthfl"), problems)


def _treatments(ds: Dataset, f: pd.DataFrame) -> Mapped:
    problems: list[Problem] = []
    notes: list[str] = []
    if "PARAMCD" in f:
        dose_rows = f["PARAMCD"].astype(str).str.upper() == "DOSE"
        if not dose_rows.any():
            return Mapped("treatments", pd.DataFrame(), [Problem(
                ds.label, None, "PARAMCD", "no PARAMCD 'DOSE' records: the dose of each exposure record is unknown")])
        notes.append(f"{ds.label}: {int(dose_rows.sum())} of {len(f)} records are per-administration doses "
                     "(PARAMCD DOSE); summary parameters are not imported")
        f = f[dose_rows]
    drug = first(f, "EXTRT", "PARCAT2") or "EXTRT"
    fields = [Field("patient_id", "USUBJID", required=True),
              Field("drug", drug, "lower", required=True),
              Field("dose_mg", "EXDOSE" if "EXDOSE" in f else "AVAL", "number", required=True, low=0, what="a dose"),
              # the reason the dose changed or stopped (EXADJ): a stop for treatment-free remission is recognised
              Field("reason_stopped", "EXADJ", "named", normalise=stored_reason)]
    out, problems = convert(f, fields, ds.label, ds.rows[f.index], ds.name)
    out, more = with_dates(ds, f, out, (("start_date", ("ASTDT", "ASTDTM", "EXSTDTC"), "start", True),
                                        ("end_date", ("AENDT", "AENDTM", "EXENDTC"), "end", False)))
    problems += more
    out["drug"], spellings = drugs.stored_names(f[drug].where(out["drug"].notna()))
    notes += drugs.placebo_note(ds.label, spellings)
    rows = ds.rows[f.index]
    unit = first(f, "EXDOSU", "AVALU")
    if unit:
        u = f[unit].astype("string").str.strip().str.upper()
        bad = u.notna() & (u != "") & (u != "MG")
        problems += [Problem(ds.label, int(rows[i]), unit, f"dose unit {f.at[i, unit]!r}: doses are stored in mg")
                     for i in f.index[bad]]
    if "EXDOSFRQ" in f:
        freq = f["EXDOSFRQ"].astype("string").str.strip().str.upper()
        factor = freq.map(lambda k: PER_DAY.get(k) if isinstance(k, str) else 1.0).astype(float)
        bad = freq.notna() & (freq != "") & factor.isna()
        problems += [Problem(ds.label, int(rows[i]), "EXDOSFRQ", f"dosing frequency {f.at[i, 'EXDOSFRQ']!r} cannot "
                             f"be stored as a daily dose (accepted: {', '.join(PER_DAY)})") for i in f.index[bad]]
        out["dose_mg"] = out["dose_mg"] * factor.fillna(1.0)
    held = (out["dose_mg"] == 0) & (out["drug"] != PLACEBO)
    if held.any():
        notes.append(f"{ds.label}: {int(held.sum())} records at 0 mg of an active drug (dose held) are gaps in "
                     "exposure, not segments")
        out = out[~held]
    out["dates_imputed"] = out["start_date_imputed"] | out["end_date_imputed"]
    return Mapped("treatments", out, problems, notes)


def _choose_assessor(f: pd.DataFrame, test: str, date: str, value: str,
                     ds: Dataset) -> tuple[pd.DataFrame, list[Problem]]:
    """One assessment per subject, test and date: the accepted one (RSACPTFL = 'Y') where several assessors rated
    the same visit; several that disagree with none accepted are an error."""
    visit = first(f, "VISITNUM", "AVISITN", "VISIT", "AVISIT")
    key = [f["USUBJID"].astype(str), f[test].astype(str), f[date].astype(str)] + (
        [f[visit].astype(str)] if visit else [])
    if "RSACPTFL" in f:
        accepted = f["RSACPTFL"].astype("string").str.upper().eq("Y").fillna(False)
        has_accepted = accepted.groupby(key).transform("any")
        f = f[accepted | ~has_accepted]
        key = [k[f.index] for k in key]
    values = f[value].astype("string").str.strip().str.upper()
    disagree = values.groupby(key).transform("nunique") > 1
    problems = [Problem(ds.label, int(ds.rows[i]), value, "assessors of the same visit disagree and none is marked "
                        "accepted (RSACPTFL = 'Y')") for i in f.index[disagree]]
    once = ~pd.concat(key, axis=1).duplicated()
    return f[once & ~disagree], problems


def _responses(ds: Dataset, f: pd.DataFrame) -> Mapped:
    sdtm = "RSTESTCD" in f
    test = "RSTESTCD" if sdtm else "PARAMCD"
    value = (first(f, "RSSTRESC", "RSORRES") or "RSSTRESC") if sdtm else "AVALC"
    date = "RSDTC" if sdtm else (first(f, "ADT", "ADTM") or "ADT")
    tests = f[test].astype("string").str.strip().str.upper()
    read = tests.isin(list(RESPONSE_TESTS))
    notes = [f"{ds.label}: {int(read.sum())} of {len(f)} records are per-visit responses "
             f"({', '.join(sorted(set(tests[read].dropna())))}); others (best response, components) are not imported"]
    f = f[read]
    f, problems = _choose_assessor(f, test, date, value, ds)
    codes = RESPONSE_CODES | {v: _SKIP for v in NOT_MILESTONES}
    values = f[value].astype("string").str.strip().str.upper()
    other = values.notna() & (values != "") & ~values.isin(list(codes))
    if other.any():  # e.g. 'CHECK' (a data query): an assessment, but not a response; never guessed at
        rows = ", ".join(str(int(r)) for r in ds.rows[f.index[other]][:10])
        notes.append(f"{ds.label}: {int(other.sum())} assessments with a value that is not a response code "
                     f"({', '.join(sorted(set(values[other])))}; rows {rows}) are not imported")
        f = f[~other]
    fields = [Field("patient_id", "USUBJID", required=True),
              Field("date", date, "date", required=True, role="assessment"),
              Field("kind", value, "code", required=True, codes=codes)]
    out, more = convert(f, fields, ds.label, ds.rows[f.index], ds.name)
    problems += more
    out["date_imputed"] = _imputed(out, f, ("date_imputed",), ("ADTF",))
    out["_test"] = tests[f.index]
    return Mapped("responses", _changes(out), problems, notes)


def _changes(out: pd.DataFrame) -> pd.DataFrame:
    """Per patient and test, the visits where the assessed response changed; only milestones are kept.

    A per-visit series CR, CR, SD, CR, PD becomes CR (first visit), CR (after the SD), PD.
    """
    ok = out["kind"].notna() & out["date"].notna()
    s = out[ok].sort_values(["patient_id", "_test", "date"], kind="stable")
    previous = s.groupby(["patient_id", "_test"])["kind"].shift()
    changed = s[s["kind"] != previous]
    kept = changed[changed["kind"] != _SKIP].drop(columns="_test")
    kept = kept.drop_duplicates(subset=["patient_id", "date", "kind"])  # one milestone a day, whichever test
    return pd.concat([kept, out[~ok].drop(columns="_test")])  # rows with errors stay to be reported


def _adverse_events(ds: Dataset, f: pd.DataFrame) -> Mapped:
    tox, sev = first(f, "AETOXGR", "ATOXGR"), first(f, "ASEV", "AESEV")
    fields = [Field("patient_id", "USUBJID", required=True),
              Field("term", first(f, "AETERM", "AEDECOD") or "AETERM", required=True),
              Field("meddra_pt", "AEDECOD"),
              Field("serious", "AESER", "flag"),  # missing: not recorded (NULL), never taken for 'not serious'
              Field("relatedness", first(f, "AEREL", "AREL") or "AEREL"),
              Field("_seq", "AESEQ", "integer", low=0, what="AESEQ"),
              Field("_tox", tox or "AETOXGR", "integer", low=1, high=5, what="a CTCAE grade"),
              Field("_sev", sev or "AESEV", "code", codes=SEVERITY_GRADE)]
    out, problems = convert(f, fields, ds.label, ds.rows, ds.name)
    out, more = with_dates(ds, f, out, (("onset_date", ("ASTDT", "ASTDTM", "AESTDTC", "ASTDTC"), "start", False),
                                        ("end_date", ("AENDT", "AENDTM", "AEENDTC"), "end", False)))
    problems += more
    tox_value = pd.to_numeric(out["_tox"], errors="coerce")
    sev_value = pd.to_numeric(out["_sev"], errors="coerce")
    out["ctcae_grade"] = tox_value.fillna(sev_value)
    out["grade_source"] = np.where(tox_value.notna(), "CTCAE", "severity")
    bad_source = {p.row for p in problems if p.column in (tox, sev)}
    missing = out["ctcae_grade"].isna() & ~out["_row"].isin(list(bad_source))
    problems += [Problem(ds.label, int(r), tox or sev or "AETOXGR", "no toxicity grade (AETOXGR) or severity (AESEV)")
                 for r in out.loc[missing, "_row"]]
    out["onset_precision"] = out["onset_date_precision"]
    out["dates_imputed"] = out["onset_date_imputed"] | out["end_date_imputed"]
    notes = []
    if (out["grade_source"] == "severity").any():
        notes.append(f"{ds.label}: {int((out['grade_source'] == 'severity').sum())} events have no toxicity grade; "
                     "their severity is shown as a grade (mild 1, moderate 2, severe 3) and marked as such")
    analysis = first(f, "ASTDT", "ASTDTM")
    from_sdtm = out["onset_date_from"].notna() & ~out["onset_date_from"].isin(["ASTDT", "ASTDTM"])
    if analysis and from_sdtm.any():
        notes.append(f"{ds.label}: {int(from_sdtm.sum())} events without {analysis} take their onset from "
                     f"{', '.join(sorted(set(out.loc[from_sdtm, 'onset_date_from'])))} by the partial-date rule")
    unknown = out["onset_date"].isna() & ~out["_row"].isin([p.row for p in problems])
    if unknown.any():
        notes.append(f"{ds.label}: {int(unknown.sum())} events have no onset date at all: imported with the onset "
                     "unknown (counted in the Safety tables and listed there, not placed on a time axis)")
    return Mapped("adverse_events", out.drop(columns=["_tox", "_sev"]), problems, notes)


def _concomitant_medications(ds: Dataset, f: pd.DataFrame) -> Mapped:
    fields = [Field("patient_id", "USUBJID", required=True),
              Field("term", first(f, "CMTRT", "CMDECOD") or "CMTRT", required=True),
              Field("decoded", "CMDECOD"),
              Field("indication", "CMINDC"),
              Field("_seq", "CMSEQ", "integer", low=0, what="CMSEQ")]
    out, problems = convert(f, fields, ds.label, ds.rows, ds.name)
    out, more = with_dates(ds, f, out, (("start_date", ("ASTDT", "CMSTDTC"), "start", False),
                                        ("end_date", ("AENDT", "CMENDTC"), "end", False)))
    problems += more
    out["dates_imputed"] = out["start_date_imputed"] | out["end_date_imputed"]
    unknown = int(out["start_date"].isna().sum())
    notes = [f"{ds.label}: {unknown} medications have no start date (shown as taken before the record)"] if unknown \
        else []
    return Mapped("concomitant_medications", out, problems, notes)


def _time_to_event(ds: Dataset, f: pd.DataFrame) -> Mapped:
    fields = [Field("patient_id", "USUBJID", required=True),
              Field("parameter", "PARAMCD", required=True),
              Field("label", "PARAM"),
              Field("start_date", first(f, "STARTDT", "STARTDTM") or "STARTDT", "date", role="start"),
              Field("days", "AVAL", "number", required=True, low=0, what="a time to event"),
              Field("event_date", first(f, "ADT", "ADTM") or "ADT", "date", role="end"),
              Field("_cnsr", "CNSR", "integer", required=True, low=0, what="CNSR")]
    out, problems = convert(f, fields, ds.label, ds.rows, ds.name)
    notes = []
    if "AVALU" in f:
        unit = f["AVALU"].astype("string").str.strip().str.upper()
        factor = unit.map(lambda u: _DAYS_PER.get(u, np.nan) if isinstance(u, str) and u else 1.0).astype(float)
        counts = unit.isin(["COUNT", "N", "EVENTS"])
        bad = factor.isna() & ~counts
        problems += [Problem(ds.label, int(ds.rows[i]), "AVALU", f"time unit {f.at[i, 'AVALU']!r}; expected one of "
                             f"{', '.join(_DAYS_PER)}") for i in f.index[bad]]
        out["days"] = out["days"] * factor.fillna(1.0)
        if counts.any():
            names = ", ".join(sorted(set(f.loc[counts, "PARAMCD"].astype(str))))
            notes.append(f"{ds.label}: {int(counts.sum())} records of {names} count events (AVALU COUNT); not "
                         "times, not imported")
            out = out[~counts.to_numpy()]
    out["censored"] = pd.to_numeric(out["_cnsr"], errors="coerce").ne(0)
    return Mapped("time_to_event", out.drop(columns="_cnsr"), problems, notes)


_MAPPERS = {"patients": _patients, "treatments": _treatments, "responses": _responses,
            "adverse_events": _adverse_events, "time_to_event": _time_to_event,
            "concomitant_medications": _concomitant_medications, "labs": map_lb}


def map_dataset(dataset: Dataset) -> Mapped | None:
    """The dataset as a cmltrack table (None when it is not one cmltrack reads)."""
    kind = kind_of(dataset)
    if kind is None:
        return None
    f = dataset.frame.rename(columns=lambda c: str(c).strip().upper())
    mapped = _MAPPERS[kind](dataset, f)
    mapped.problems = _duplicates(dataset, f) + mapped.problems
    if not mapped.frame.empty:
        mapped.frame["_standard"] = standard_of(f)
    return mapped
