"""Per-patient summary derived from the fact tables by the clinical rules (pure pandas; no database).

Stored as the table patient_summary whenever a database is written, so the app filters in SQL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cmltrack.clinical import phase as phase_rules
from cmltrack.clinical import responses as resp
from cmltrack.clinical.evaluability import is_evaluable
from cmltrack.clinical.scores import eutos, risk_group
from cmltrack.timeaxis import months_between

SUMMARY_COLUMNS: tuple[str, ...] = (
    "patient_id", "im_start_date", "thal_start_date", "last_visit_date", "age_years", "months_im_before_thal",
    "followup_months", "thal_months", "on_thalidomide", "eutos_score", "eutos_group", "phase_at_thal",
    "evaluable", "best_response", "best_response_rank",
)


def _first_start(treatments: pd.DataFrame, drug: str) -> pd.Series:
    rows = treatments[treatments["drug"] == drug]
    return pd.to_datetime(rows.groupby("patient_id")["start_date"].min())


def _completed_years(birth: pd.Series, when: pd.Series) -> pd.Series:
    birth, when = pd.to_datetime(birth), pd.to_datetime(when)
    years = when.dt.year - birth.dt.year
    before_birthday = (when.dt.month < birth.dt.month) | (
        (when.dt.month == birth.dt.month) & (when.dt.day < birth.dt.day))
    return (years - before_birthday.astype(int)).astype("Int64")


def _eutos(p: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    known = p["basophils_pct"].notna() & p["spleen_cm"].notna()
    score = pd.Series(np.nan, index=p.index)
    score[known] = [eutos(b, s) for b, s in zip(p.loc[known, "basophils_pct"], p.loc[known, "spleen_cm"])]
    group = pd.Series("unknown", index=p.index, dtype=object)
    group[known] = [risk_group("eutos", v) for v in score[known]]
    return score, group


def _thal_exposure(treatments: pd.DataFrame, last_visit: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Months on thalidomide (ongoing segments counted to the last visit) and whether it is ongoing."""
    thal = treatments[treatments["drug"] == "thalidomide"].copy()
    if thal.empty:
        return pd.Series(dtype=float), pd.Series(dtype=bool)
    last = thal["patient_id"].map(last_visit)
    ongoing = thal["end_date"].isna()
    end = pd.to_datetime(thal["end_date"]).fillna(last)
    thal["months"] = months_between(thal["start_date"], end).clip(lower=0)
    thal["ongoing"] = ongoing
    grouped = thal.groupby("patient_id")
    return grouped["months"].sum(), grouped["ongoing"].any()


def _phase_at(labs: pd.DataFrame, when: pd.Series) -> pd.Series:
    """ELN phase from the latest blood count on or before each patient's thalidomide start."""
    if labs.empty:
        return pd.Series(dtype=object)
    lab = labs.assign(date=pd.to_datetime(labs["date"]), cut=pd.to_datetime(labs["patient_id"].map(when)))
    lab = lab[lab["cut"].notna() & (lab["date"] <= lab["cut"])]
    lab = lab.dropna(subset=["blasts_pct", "basophils_pct", "platelets"])
    latest = lab.sort_values("date").groupby("patient_id").tail(1)
    values = [phase_rules.phase(b, ba, p) for b, ba, p in
              zip(latest["blasts_pct"], latest["basophils_pct"], latest["platelets"])]
    return pd.Series(values, index=latest["patient_id"].to_numpy(), dtype=object)


def _best_response(responses: pd.DataFrame, thal_start: pd.Series, evaluable: pd.Series) -> pd.Series:
    """Deepest response recorded after thalidomide start; 'none' / 'not evaluable' otherwise."""
    r = responses[responses["kind"].isin(resp.RESPONSE_KINDS)]
    kinds = pd.Series(dtype=object)
    if not r.empty:
        r = r.assign(date=pd.to_datetime(r["date"]), start=pd.to_datetime(r["patient_id"].map(thal_start)))
        r = r[r["start"].notna() & (r["date"] > r["start"])]
        kinds = r.groupby("patient_id")["kind"].agg(list)
    return pd.Series({pid: resp.best_response(kinds.get(pid, []), bool(ev)) for pid, ev in evaluable.items()},
                     dtype=object)


def rank_of(best: str) -> int:
    """Sort key of a best response: depth 1 (CHR) to 7 (MR5); 0 none; -1 not evaluable."""
    if best == resp.NOT_EVALUABLE:
        return -1
    return 0 if best == resp.NO_RESPONSE else resp.depth(best)


def patient_summary(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per patient with the derived columns of the patient_summary table."""
    p = frames["patients"].set_index("patient_id", drop=False)
    treatments, labs, responses = frames["treatments"], frames["labs"], frames["responses"]
    out = pd.DataFrame(index=p.index)
    out["patient_id"] = p["patient_id"]
    out["im_start_date"] = _first_start(treatments, "imatinib").reindex(p.index)
    out["thal_start_date"] = _first_start(treatments, "thalidomide").reindex(p.index)
    visit = pd.to_datetime(labs.groupby("patient_id")["date"].max()) if not labs.empty else pd.Series(dtype="M8[s]")
    out["last_visit_date"] = visit.reindex(p.index)
    index_date = out["thal_start_date"].fillna(out["im_start_date"]).fillna(pd.to_datetime(p["diagnosis_date"]))
    out["age_years"] = _completed_years(p["birth_date"], index_date)
    out["months_im_before_thal"] = months_between(out["im_start_date"], out["thal_start_date"])
    out["followup_months"] = months_between(out["thal_start_date"], out["last_visit_date"])
    months, ongoing = _thal_exposure(treatments, out["last_visit_date"])
    out["thal_months"] = months.reindex(p.index)
    out["on_thalidomide"] = ongoing.reindex(p.index).fillna(False).astype(bool)
    out["eutos_score"], out["eutos_group"] = _eutos(p)
    out["phase_at_thal"] = _phase_at(labs, out["thal_start_date"]).reindex(p.index).fillna("unknown")
    out["evaluable"] = [is_evaluable(None if pd.isna(m) else float(m)) for m in out["followup_months"]]
    out["best_response"] = _best_response(responses, out["thal_start_date"], out["evaluable"]).reindex(p.index)
    out["best_response_rank"] = [rank_of(b) for b in out["best_response"]]
    return out.reset_index(drop=True)[list(SUMMARY_COLUMNS)]
