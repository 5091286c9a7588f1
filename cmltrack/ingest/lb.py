"""SDTM LB (laboratory results, one record per test) mapped onto cmltrack's labs table (one row per visit).

Test codes and units are CDISC Controlled Terminology (LBTESTCD; LBSTRESU in the standard units): blood counts
(WBC, PLAT, HGB, and absolute neutrophils NEUT, or NEUTLE as a percentage of the white count of the same visit)
and the differential, as a percentage of leukocytes (BLASTLE, BASOLE, PROMYLE, MYCYLE, METAMYLE) or as an absolute
count (BLAST, BASO, PROMY, MYCY, METAMY), converted to a percentage with the white count of the same visit.
Immature granulocytes are promyelocytes + myelocytes + metamyelocytes (cmltrack.db.schema, labs). Tests without a
column in labs (lymphocytes, chemistry, ...) are named in a note, never dropped silently; results marked NOT DONE
are skipped.
"""

from __future__ import annotations

import pandas as pd

from cmltrack.ingest.fields import Field, blank, convert
from cmltrack.ingest.mapped import Mapped, first
from cmltrack.ingest.problems import Problem
from cmltrack.ingest.readers import Dataset

#: Counts in 10^9/L: every spelling of that unit (1 x 10^9/L = 1 x 10^3/uL = 1 G/L).
_PER_NL = {"10^9/L", "10*9/L", "X10E9/L", "10E9/L", "GI/L", "G/L", "10^3/UL", "10*3/UL", "X10E3/UL", "K/UL",
           "10^3/MM3", "THOU/UL", "10^9 /L"}
_PER_UL = {"/UL", "CELLS/UL", "/MM3", "10^6/L"}
#: Stored unit of each count and the factor from each accepted unit. Haemoglobin: 1 g/dL = 10 g/L; 1 mmol/L (as
#: the monomer, 16.114 g/mol x 1000) = 16.114 g/L.
COUNT_UNITS: dict[str, dict[str, float]] = {
    "wbc": {**dict.fromkeys(_PER_NL, 1.0), **dict.fromkeys(_PER_UL, 0.001)},
    "platelets": {**dict.fromkeys(_PER_NL, 1.0), **dict.fromkeys(_PER_UL, 0.001)},
    "hb": {"G/L": 1.0, "G/DL": 10.0, "MMOL/L": 16.114},
    "neutrophils": {**dict.fromkeys(_PER_NL, 1.0), **dict.fromkeys(_PER_UL, 0.001)},
}
#: LBTESTCD -> labs column, for counts.
COUNTS: dict[str, str] = {"WBC": "wbc", "PLAT": "platelets", "HGB": "hb", "NEUT": "neutrophils"}
#: Neutrophils as a percentage of leukocytes (stored as a count with the visit's white count).
NEUTROPHIL_PCT = "NEUTLE"
#: Differential: (percentage code, absolute code) -> labs column(s) it adds to.
DIFFERENTIAL: dict[str, tuple[str, str]] = {
    "blasts_pct": ("BLASTLE", "BLAST"), "basophils_pct": ("BASOLE", "BASO"),
    "promyelocytes_pct": ("PROMYLE", "PROMY")}
#: The parts of immature granulocytes besides promyelocytes.
IMMATURE: dict[str, tuple[str, str]] = {"myelocytes": ("MYCYLE", "MYCY"), "metamyelocytes": ("METAMYLE", "METAMY")}


def _value(f: pd.DataFrame) -> pd.Series:
    """The standard numeric result (LBSTRESN), else the character one (LBSTRESC, LBORRES) read as a number."""
    values = pd.Series(float("nan"), index=f.index)
    for column in [c for c in ("LBSTRESN", "LBSTRESC", "LBORRES") if c in f]:
        values = values.fillna(pd.to_numeric(f[column].astype("string").str.strip(), errors="coerce"))
    return values


def _result_column(f: pd.DataFrame) -> str:
    return first(f, "LBSTRESN", "LBSTRESC", "LBORRES") or "LBSTRESN"


def map_lb(ds: Dataset, f: pd.DataFrame) -> Mapped:
    """The LB records of blood counts and differential, one labs row per subject and date."""
    problems: list[Problem] = []
    notes: list[str] = []
    if "LBSTAT" in f:
        done = f["LBSTAT"].astype("string").str.strip().str.upper().ne("NOT DONE").fillna(True)
        if (~done).any():
            notes.append(f"{ds.label}: {int((~done).sum())} records marked NOT DONE are skipped")
        f = f[done]
    code = f["LBTESTCD"].astype("string").str.strip().str.upper()
    unit_column = first(f, "LBSTRESU", "LBORRESU")
    unit = (f[unit_column].astype("string").str.strip().str.upper() if unit_column
            else pd.Series(pd.NA, index=f.index, dtype="string"))
    percent_codes = {p for p, _ in (*DIFFERENTIAL.values(), *IMMATURE.values())}
    absolute_codes = {a for _, a in (*DIFFERENTIAL.values(), *IMMATURE.values())}
    known = set(COUNTS) | percent_codes | absolute_codes | {NEUTROPHIL_PCT}
    other = ~code.isin(list(known))
    if other.any():
        listed = ", ".join(f"{c} ({n})" for c, n in code[other].value_counts().sort_index().items())
        notes.append(f"{ds.label}: {int(other.sum())} records of tests labs has no column for are not imported: "
                     f"{listed}")
    f, code, unit = f[~other], code[~other], unit[~other]
    rows = ds.rows[f.index]
    base, trouble = convert(f, [Field("patient_id", "USUBJID", required=True),
                                Field("date", "LBDTC", "date", required=True, role="exact")],
                            ds.label, rows, ds.name)
    problems += trouble
    value = _value(f)
    result = _result_column(f)
    no_value = value.isna() & ~blank(f[result]) if result in f else pd.Series(False, index=f.index)
    problems += [Problem(ds.label, int(rows[i]), result, "not a number") for i in f.index[no_value]]
    # counts in the stored unit
    stored = pd.Series(float("nan"), index=f.index)
    for test, column in COUNTS.items():
        mine = code == test
        accepted = COUNT_UNITS[column]
        factor = unit[mine].map(lambda u, accepted=accepted: accepted.get(u) if isinstance(u, str) else None
                                ).astype(float)
        bad = factor.isna() & value[mine].notna()
        problems += [Problem(ds.label, int(rows[i]), unit_column or "LBSTRESU",
                             f"unit {f.at[i, unit_column] if unit_column else None!r} of {test}; accepted: "
                             f"{', '.join(sorted(COUNT_UNITS[column]))}") for i in factor.index[bad]]
        stored[mine] = value[mine] * factor
    long = base.assign(code=code, unit=unit, value=stored.where(code.isin(list(COUNTS)), value))
    long = long[long["value"].notna() & long["date"].notna() & long["patient_id"].notna()]
    problems += _conflicts(ds, long, result)
    wide = long.drop_duplicates(["patient_id", "date", "code"]).pivot(
        index=["patient_id", "date"], columns="code", values="value")
    units = long.drop_duplicates(["patient_id", "date", "code"]).pivot(
        index=["patient_id", "date"], columns="code", values="unit")
    out = pd.DataFrame(index=wide.index)
    for test, column in COUNTS.items():
        out[column] = wide[test] if test in wide else float("nan")
    wbc = out["wbc"]
    if NEUTROPHIL_PCT in wide:
        out["neutrophils"] = out["neutrophils"].fillna(wide[NEUTROPHIL_PCT] * wbc / 100)
    parts = {}
    for column, (pct, absolute) in {**DIFFERENTIAL, **IMMATURE}.items():
        percent = wide[pct] if pct in wide else pd.Series(float("nan"), index=wide.index)
        if absolute in wide:
            absolute_unit = units[absolute].map(lambda u: COUNT_UNITS["wbc"].get(u) if isinstance(u, str) else None)
            counted = 100 * wide[absolute] * absolute_unit.astype(float) / wbc.where(wbc > 0)
            percent = percent.fillna(counted)
        parts[column] = percent
    for column in DIFFERENTIAL:
        out[column] = parts[column]
    immature = pd.concat([parts["promyelocytes_pct"], parts["myelocytes"], parts["metamyelocytes"]], axis=1)
    out["immature_granulocytes_pct"] = immature.sum(axis=1, min_count=1)
    out = out.reset_index()
    first_row = long.reset_index().groupby(["patient_id", "date"])["_row"].min()
    out["_row"] = first_row.reindex(pd.MultiIndex.from_frame(out[["patient_id", "date"]])).to_numpy()
    out["_file"], out["_source"] = ds.label, ds.name
    out.attrs["columns"] = {"patient_id": "USUBJID", "date": "LBDTC", **dict.fromkeys(COUNTS.values(), result)}
    notes.append(f"{ds.label}: {len(long)} results of blood counts and differential make {len(wide)} lab visits")
    return Mapped("labs", out, problems, notes)


def _conflicts(ds: Dataset, long: pd.DataFrame, result: str) -> list[Problem]:
    """Two different results of one test on one day for one subject: which is right cannot be told."""
    key = ["patient_id", "date", "code"]
    spread = long.groupby(key)["value"].transform("nunique")
    clash = long[spread > 1].sort_values([*key, "_row"])
    first_rows = clash.groupby(key)["_row"].transform("first")
    return [Problem(ds.label, int(r), result, f"{c} on {d:%Y-%m-%d} differs from row {int(f0)} of the same "
                    "test and day") for r, c, d, f0 in zip(clash["_row"], clash["code"], clash["date"], first_rows)
            if r != f0]
