"""The per-patient summary the app filters on in SQL (table ``patient_summary``): treatment dates, exposure to
thalidomide, age, risk scores, phase at thalidomide start, evaluability, the response families the labs measure and
the best response on thalidomide."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cmltrack.clinical import responses as resp
from cmltrack.clinical.evaluability import is_evaluable
from cmltrack.clinical.scores import elts, eutos, hasford, risk_group, sokal
from cmltrack.derive.visits import classify_visits
from cmltrack.timeaxis import months_between

SUMMARY_COLUMNS: tuple[str, ...] = (
    "patient_id", "first_treatment_date", "im_start_date", "thal_start_date", "last_visit_date", "age_years",
    "age_at_diagnosis",
    "months_im_before_thal", "followup_months", "thal_months", "on_thalidomide", "sokal_score", "sokal_group",
    "hasford_score", "hasford_group", "eutos_score", "eutos_group", "elts_score", "elts_group", "phase_at_thal",
    "evaluable", "labs_hematologic", "labs_cytogenetic", "labs_molecular", "labs_phase", "best_response",
    "best_response_rank",
)
#: The lab columns without which a family of responses cannot be derived.
FAMILY_COLUMNS: dict[str, tuple[str, ...]] = {
    "hematologic": ("wbc", "platelets", "basophils_pct", "spleen_cm", "immature_granulocytes_pct"),
    "cytogenetic": ("ph_pos_pct", "metaphases"),
    "molecular": ("bcr_abl1_is_pct",),
    "phase": ("blasts_pct", "basophils_pct"),
}
#: The guideline whose derived responses feed the stored best response (first responses are the same under every
#: guideline; a response reached again after a loss can differ, since the loss rules differ).
REFERENCE_GUIDELINE = "ELN2020"
_SCORE_INPUTS = {
    "sokal": (sokal, ("age_at_diagnosis", "spleen_cm", "platelets", "blasts_pct")),
    "hasford": (hasford, ("age_at_diagnosis", "spleen_cm", "platelets", "blasts_pct", "eosinophils_pct",
                          "basophils_pct")),
    "eutos": (eutos, ("basophils_pct", "spleen_cm")),
    "elts": (elts, ("age_at_diagnosis", "spleen_cm", "platelets", "blasts_pct")),
}


def _first_start(treatments: pd.DataFrame, drug: str) -> pd.Series:
    rows = treatments[treatments["drug"] == drug]
    return pd.to_datetime(rows["start_date"]).groupby(rows["patient_id"]).min()


def _completed_years(birth: pd.Series, when: pd.Series) -> pd.Series:
    birth, when = pd.to_datetime(birth), pd.to_datetime(when)
    years = when.dt.year - birth.dt.year
    before_birthday = (when.dt.month < birth.dt.month) | (
        (when.dt.month == birth.dt.month) & (when.dt.day < birth.dt.day))
    return (years - before_birthday.astype(int)).astype("Int64")


def _scores(p: pd.DataFrame) -> dict[str, pd.Series]:
    """Each score and its risk group where every input is known; 'unknown' otherwise."""
    out: dict[str, pd.Series] = {}
    for name, (func, cols) in _SCORE_INPUTS.items():
        known = p[list(cols)].notna().all(axis=1) & (p["platelets"] > 0 if name == "elts" else True)
        values = pd.Series(np.nan, index=p.index)
        inputs = (p.loc[known, c].astype(float).tolist() for c in cols)
        values[known] = [func(*row) for row in zip(*inputs)]
        group = pd.Series("unknown", index=p.index, dtype=object)
        group[known] = [risk_group(name, v) for v in values[known]]
        out[f"{name}_score"], out[f"{name}_group"] = values.round(4), group
    return out


def thalidomide_stop(treatments: pd.DataFrame) -> pd.Series:
    """Last day on thalidomide of each patient who took it; NaT while any of their segments is still open."""
    thal = treatments[treatments["drug"] == "thalidomide"]
    if thal.empty:
        return pd.Series(dtype="datetime64[us]")
    grouped = pd.to_datetime(thal["end_date"]).groupby(thal["patient_id"])
    return grouped.max().where(~thal["end_date"].isna().groupby(thal["patient_id"]).any())


def _thal_exposure(treatments: pd.DataFrame, last_visit: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Months on thalidomide (ongoing segments counted to the last visit), whether it is ongoing, and its last day
    (NaT while ongoing)."""
    thal = treatments[treatments["drug"] == "thalidomide"].copy()
    if thal.empty:
        return pd.Series(dtype=float), pd.Series(dtype=bool), pd.Series(dtype="datetime64[us]")
    last = pd.to_datetime(thal["patient_id"].map(last_visit))
    ongoing = thal["end_date"].isna()
    end = pd.to_datetime(thal["end_date"]).fillna(last)
    thal["months"] = months_between(thal["start_date"], end).clip(lower=0)
    thal["ongoing"] = ongoing
    grouped = thal.groupby("patient_id")
    return grouped["months"].sum(), grouped["ongoing"].any(), thalidomide_stop(treatments)


#: A blood count older than this before thalidomide start does not tell the phase at the start.
PHASE_COUNT_MAX_DAYS = 31


def _phase_at(labs: pd.DataFrame, when: pd.Series) -> pd.Series:
    """ELN phase (on-therapy rule of the timeline) from the latest blood count in the 31 days up to each patient's
    thalidomide start; patients with no such count are left out (unknown)."""
    if labs.empty:
        return pd.Series(dtype=object)
    lab = labs.assign(date=pd.to_datetime(labs["date"]), cut=pd.to_datetime(labs["patient_id"].map(when)))
    lab = lab[lab["cut"].notna() & (lab["date"] <= lab["cut"])
              & (lab["date"] >= lab["cut"] - pd.Timedelta(days=PHASE_COUNT_MAX_DAYS))]
    latest = lab.sort_values("date").groupby("patient_id").tail(1)
    phases = pd.Series(classify_visits(latest)["phase"].to_numpy(), index=latest["patient_id"].to_numpy(),
                       dtype=object)
    return phases[phases.notna()]


#: Responses up to this long after thalidomide was stopped still count as responses to it.
RESPONSE_AFTER_STOP_DAYS = 30


def measured_families(labs: pd.DataFrame, patient_ids: pd.Index) -> pd.DataFrame:
    """Per patient, whether the labs measure each response family (a column labs_<family> of booleans)."""
    out = pd.DataFrame(index=patient_ids)
    codes = pd.Index(patient_ids).get_indexer(labs["patient_id"]) if len(labs) else np.zeros(0, dtype=np.int64)
    for family, columns in FAMILY_COLUMNS.items():
        present = labs.reindex(columns=list(columns)).notna().all(axis=1).to_numpy() & (codes >= 0)
        out[f"labs_{family}"] = np.bincount(codes[present], minlength=len(patient_ids)) > 0
    return out


def with_shown(responses: pd.DataFrame, families: pd.DataFrame) -> pd.DataFrame:
    """``responses`` (recorded and derived) with the two columns stored beside them, the one home of which
    responses are shown: ``family_measured`` (the patient's labs measure the response's family, labs_<family> of
    ``families``) and ``shown`` (derived where the labs measure that family, recorded elsewhere). SQL reads them
    (cmltrack.db.queries) instead of recomputing the rule."""
    family = responses["kind"].map(resp.FAMILY).to_numpy()
    ids = responses["patient_id"].to_numpy(dtype=object)
    measured = np.zeros(len(responses), dtype=bool)
    for fam in resp.FAMILIES:
        rows = family == fam
        if rows.any():
            flags = families[f"labs_{fam}"].reindex(ids[rows])
            measured[rows] = flags.fillna(False).astype(bool).to_numpy()
    derived = (responses["source"] == "derived").to_numpy()
    return responses.assign(family_measured=measured, shown=np.where(derived, measured, ~measured))


def shown_responses(responses: pd.DataFrame, guideline: str) -> pd.DataFrame:
    """The responses shown under ``guideline`` (``responses`` as `with_shown` marks them): the recorded ones shown
    and those derived under ``guideline``."""
    return responses[responses["shown"].astype(bool) & responses["guideline"].isin(["none", guideline])]


def _best_response(responses: pd.DataFrame, thal_start: pd.Series, thal_stop: pd.Series,
                   evaluable: pd.Series) -> pd.Series:
    """Deepest response after thalidomide start and no later than 30 days after it stopped, among the responses
    shown (``responses`` as `with_shown` marks them)."""
    r = shown_responses(responses[responses["kind"].isin(resp.RESPONSE_KINDS)], REFERENCE_GUIDELINE)
    kinds = pd.Series(dtype=object)
    if not r.empty:
        r = r.assign(date=pd.to_datetime(r["date"]), start=pd.to_datetime(r["patient_id"].map(thal_start)),
                     stop=pd.to_datetime(r["patient_id"].map(thal_stop)))
        late = r["stop"].notna() & (r["date"] > r["stop"] + pd.Timedelta(days=RESPONSE_AFTER_STOP_DAYS))
        r = r[r["start"].notna() & (r["date"] > r["start"]) & ~late]
        # resp.best_response for every patient at once: the deepest kind (depth = place in RESPONSE_KINDS)
        deepest = r["kind"].map({k: resp.depth(k) for k in resp.RESPONSE_KINDS}).groupby(r["patient_id"]).max()
        kinds = deepest.map(lambda d: resp.RESPONSE_KINDS[d - 1])
    best = kinds.reindex(evaluable.index).astype(object).where(lambda b: b.notna(), resp.NO_RESPONSE)
    return best.where(evaluable.astype(bool), resp.NOT_EVALUABLE)


def rank_of(best: str) -> int:
    """Sort key of a best response: depth 1 (CHR) to 7 (MR5); 0 none; -1 not evaluable."""
    if best == resp.NOT_EVALUABLE:
        return -1
    return 0 if best == resp.NO_RESPONSE else resp.depth(best)


def _latest(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """Latest of the given date columns per patient."""
    if frame.empty:
        return pd.Series(dtype="datetime64[us]")
    dates = pd.concat([pd.to_datetime(frame[c]) for c in columns if c in frame], axis=1).max(axis=1)
    return dates.groupby(frame["patient_id"]).max()


def _last_seen(frames: dict[str, pd.DataFrame], responses: pd.DataFrame) -> pd.Series:
    """Last date a patient is known to have been seen: the later of the last lab visit and the recorded last contact
    (CDISC LSTALVDT); for a patient with neither, the latest treatment, response or adverse-event date."""
    patients = frames["patients"]
    contact = (pd.to_datetime(patients.set_index("patient_id")["last_contact_date"])
               if "last_contact_date" in patients else pd.Series(dtype="datetime64[us]"))
    seen = pd.concat([_latest(frames["labs"], ("date",)), contact], axis=1).max(axis=1)
    other = pd.concat([_latest(frames["treatments"], ("start_date", "end_date")),
                       _latest(responses, ("date",)),
                       _latest(frames["adverse_events"], ("onset_date", "end_date"))], axis=1).max(axis=1)
    return seen.reindex(seen.index.union(other.index)).fillna(other)


def patient_summary(frames: dict[str, pd.DataFrame], responses: pd.DataFrame,
                    families: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per patient with the derived columns of the patient_summary table.

    ``responses`` holds recorded and derived responses (with their guideline; marked by `with_shown` with
    ``families``, the `measured_families` of the labs, when not marked yet).
    """
    p = frames["patients"].set_index("patient_id", drop=False)
    treatments, labs = frames["treatments"], frames["labs"]
    out = pd.DataFrame(index=p.index)
    out["patient_id"] = p["patient_id"]
    out["first_treatment_date"] = pd.to_datetime(treatments["start_date"]).groupby(
        treatments["patient_id"]).min().reindex(p.index)
    out["im_start_date"] = _first_start(treatments, "imatinib").reindex(p.index)
    out["thal_start_date"] = _first_start(treatments, "thalidomide").reindex(p.index)
    out["last_visit_date"] = _last_seen(frames, responses).reindex(p.index)
    index_date = out["thal_start_date"].fillna(out["im_start_date"]).fillna(pd.to_datetime(p["diagnosis_date"]))
    entry_age = p["age_at_entry"] if "age_at_entry" in p else pd.Series(pd.NA, index=p.index)
    out["age_years"] = _completed_years(p["birth_date"], index_date).fillna(entry_age.astype("Int64"))
    out["age_at_diagnosis"] = _completed_years(p["birth_date"], p["diagnosis_date"])
    out["months_im_before_thal"] = months_between(out["im_start_date"], out["thal_start_date"])
    out["followup_months"] = months_between(out["thal_start_date"], out["last_visit_date"])
    months, ongoing, stopped = _thal_exposure(treatments, out["last_visit_date"])
    out["thal_months"] = months.reindex(p.index)
    out["on_thalidomide"] = ongoing.reindex(p.index).fillna(False).astype(bool)
    for column, values in _scores(p.assign(age_at_diagnosis=out["age_at_diagnosis"].astype(float))).items():
        out[column] = values
    out["phase_at_thal"] = _phase_at(labs, out["thal_start_date"]).reindex(p.index).fillna("unknown")
    out["evaluable"] = [is_evaluable(None if pd.isna(m) else float(m)) for m in out["thal_months"]]
    if families is None:
        families = measured_families(labs, p.index)
    families = families.reindex(p.index)
    if "shown" not in responses:
        responses = with_shown(responses, families)
    out = out.join(families)
    out["best_response"] = _best_response(responses, out["thal_start_date"], stopped.reindex(p.index),
                                          out["evaluable"]).reindex(p.index)
    out["best_response_rank"] = [rank_of(b) for b in out["best_response"]]
    return out.reset_index(drop=True)[list(SUMMARY_COLUMNS)]
