"""REFERENCE COPY, for tests only: cmltrack/derive/__init__.py as it was before issue 17 (commit 66850a9), the
per-patient derivation the vectorised one replaced. tests/unit/test_derivation_equivalence.py checks that the new
code derives exactly what this did. Never imported by cmltrack. When a clinical rule is changed on purpose, change
it here too (or retire the test).

Tables derived from the facts by the clinical rules (pure pandas; no database).

Written with every database: derived responses (per ELN guideline), ELN assessments and the per-patient summary the
app filters on in SQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pandas as pd

from cmltrack.clinical import responses as resp
from cmltrack.clinical.evaluability import is_evaluable
from cmltrack.clinical.genetics import Finding
from cmltrack.clinical.milestones import GUIDELINES, SAME_RULES_AS
from cmltrack.clinical.scores import elts, eutos, hasford, risk_group, sokal
from cmltrack.timeaxis import months_between
from tests.reference.timeline_before_17 import assess, derive_events, prepare, visit_phase

log = logging.getLogger("cmltrack")

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
ASSESSMENT_COLUMNS: tuple[str, ...] = (
    "patient_id", "guideline", "milestone", "date", "months", "category", "bcr_abl1_is_pct", "ph_pos_pct", "chr",
)
TKIS: tuple[str, ...] = ("imatinib", "dasatinib", "nilotinib", "bosutinib", "ponatinib", "asciminib")
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
        values[known] = [func(*(float(x) for x in row)) for row in p.loc[known, list(cols)].itertuples(index=False)]
        group = pd.Series("unknown", index=p.index, dtype=object)
        group[known] = [risk_group(name, v) for v in values[known]]
        out[f"{name}_score"], out[f"{name}_group"] = values.round(4), group
    return out


def thalidomide_stop(treatments: pd.DataFrame) -> pd.Series:
    """Last day on thalidomide of each patient who took it; NaT while any of their segments is still open."""
    thal = treatments[treatments["drug"] == "thalidomide"]
    if thal.empty:
        return pd.Series(dtype="datetime64[us]")
    grouped = thal.groupby("patient_id")["end_date"]
    return pd.to_datetime(grouped.max()).where(~thal["end_date"].isna().groupby(thal["patient_id"]).any())


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
    values = {row["patient_id"]: visit_phase(row) for row in latest.to_dict("records")}
    return pd.Series({k: v for k, v in values.items() if v is not None}, dtype=object)


def _tki_line_start(treatments: pd.DataFrame) -> pd.Series:
    """Start of each patient's current TKI line: the first start of the TKI begun last."""
    tki = treatments[treatments["drug"].isin(TKIS)]
    if tki.empty:
        return pd.Series(dtype="datetime64[us]")
    tki = tki.assign(start_date=pd.to_datetime(tki["start_date"]))  # dates and timestamps mix after an import adds
    first = tki.groupby(["patient_id", "drug"])["start_date"].min().reset_index()
    return pd.to_datetime(first.sort_values("start_date").groupby("patient_id")["start_date"].last())


#: Patients per chunk of the derivation; above PARALLEL_FROM patients, chunks run in worker processes.
CHUNK_PATIENTS = 500
PARALLEL_FROM = 4000


def genetic_findings(frames: dict[str, pd.DataFrame]) -> dict[str, list[Finding]]:
    """Each patient's mutation and karyotype findings (tables ``mutations`` and ``karyotypes``), in date order."""
    out: dict[str, list[Finding]] = {}
    parts = [(frames.get("mutations"), "mutation", "mutation"), (frames.get("karyotypes"), "karyotype", "finding")]
    for frame, test, column in parts:
        if frame is None or frame.empty:
            continue
        ph = frame["ph_positive"] if "ph_positive" in frame else pd.Series(True, index=frame.index)
        for pid, date, value, positive in zip(frame["patient_id"], pd.to_datetime(frame["date"]).dt.date,
                                              frame[column], ph.fillna(True)):
            out.setdefault(pid, []).append(Finding(date, test, str(value), bool(positive)))
    return {pid: sorted(found, key=lambda f: (f.date, f.test, f.value)) for pid, found in out.items()}


def _derive_chunk(labs: pd.DataFrame, line_start: dict[str, dt.date],
                  genetics: dict[str, list[Finding]] | None = None) -> tuple[list[tuple], list[tuple]]:
    """Derived events and ELN assessments of the patients in ``labs`` (sorted by patient and date)."""
    records = labs.to_dict("records")
    ids = labs["patient_id"].to_numpy()
    cuts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist(), len(ids)]
    events, assessments = [], []
    genetics = genetics or {}
    for a, b in zip(cuts[:-1], cuts[1:]):
        if a == b:
            continue
        pid, visits = ids[a], prepare(records[a:b])
        start, found = line_start.get(pid), genetics.get(pid, [])
        done: dict[str, tuple[list, list]] = {}
        for guideline in GUIDELINES:
            same = SAME_RULES_AS.get(guideline)
            if same in done:  # the same rules to the letter: the same results, labelled with this guideline
                derived, assessed = done[same]
            else:
                derived = derive_events(visits, guideline, found, start)
                assessed = [] if start is None else assess(visits, start, guideline, derived, found)
                done[guideline] = derived, assessed
            events += [(pid, date, kind, "derived", guideline) for date, kind in derived]
            assessments += [(pid, guideline, x.milestone, x.date, x.months, x.category, x.bcr_abl1_is_pct,
                             x.ph_pos_pct, x.chr) for x in assessed]
    return events, assessments


def _in_workers(chunks: list[pd.DataFrame], line_start: dict[str, dt.date], genetics: dict[str, list[Finding]],
                progress: Callable[[float], None] | None) -> list[tuple[list, list]]:
    """The chunks derived in forked worker processes (the caller checks that this process runs no other thread)."""
    results = []
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 8), mp_context=context) as pool:
        futures = []
        for c in chunks:
            pids = c["patient_id"].unique()
            futures.append(pool.submit(_derive_chunk, c, {p: line_start.get(p) for p in pids},
                                       {p: genetics[p] for p in pids if p in genetics}))
        for i, future in enumerate(futures):
            results.append(future.result())
            if progress is not None:
                progress((i + 1) / len(chunks))
    return results


def derived_responses_and_assessments(frames: dict[str, pd.DataFrame], progress: Callable[[float], None] | None = None,
                                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses derived from each patient's labs under every guideline, and the ELN assessments.

    Patients are derived in chunks (in worker processes for large cohorts when this process runs a single
    thread); ``progress`` hears the share done.
    """
    labs = frames["labs"]
    line_start = {pid: d.date() for pid, d in _tki_line_start(frames["treatments"]).items() if not pd.isna(d)}
    genetics = genetic_findings(frames)
    labs = labs.sort_values(["patient_id", "date"], kind="stable")
    labs = labs.assign(date=pd.to_datetime(labs["date"]).dt.date)
    ids = labs["patient_id"].to_numpy()
    firsts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.array([], dtype=int)
    bounds = [*firsts[::CHUNK_PATIENTS].tolist(), len(ids)]
    chunks = [labs.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    results: list[tuple[list, list]] = []
    # Workers are forked, and only from a process with no other thread (the CLI): forking a threaded server is
    # unsafe, and spawn/forkserver workers re-run the parent's __main__ (in a Streamlit server, Streamlit itself).
    if len(firsts) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 and threading.active_count() == 1:
        try:
            results = _in_workers(chunks, line_start, genetics, progress)
        except BrokenProcessPool as exc:  # a worker died (memory, a signal): the same work, in this process
            log.warning("worker processes failed (%s); deriving in one process", exc)
            results = []
    if not results:
        for i, chunk in enumerate(chunks):
            results.append(_derive_chunk(chunk, line_start, genetics))
            if progress is not None:
                progress((i + 1) / len(chunks))
    events = [e for r in results for e in r[0]]
    assessments = [a for r in results for a in r[1]]
    derived = pd.DataFrame(events, columns=["patient_id", "date", "kind", "source", "guideline"])
    return derived.drop_duplicates(), pd.DataFrame(assessments, columns=list(ASSESSMENT_COLUMNS))


#: Responses up to this long after thalidomide was stopped still count as responses to it.
RESPONSE_AFTER_STOP_DAYS = 30


def measured_families(labs: pd.DataFrame, patient_ids: pd.Index) -> pd.DataFrame:
    """Per patient, whether the labs measure each response family (a column labs_<family> of booleans)."""
    out = pd.DataFrame(index=patient_ids)
    for family, columns in FAMILY_COLUMNS.items():
        present = labs.reindex(columns=list(columns)).notna().all(axis=1) if len(labs) else pd.Series(dtype=bool)
        measured = labs.loc[present, "patient_id"].unique() if len(labs) else []
        out[f"labs_{family}"] = patient_ids.isin(measured)
    return out


def shown_responses(responses: pd.DataFrame, families: pd.DataFrame, guideline: str) -> pd.DataFrame:
    """The responses to show: derived under ``guideline`` where the labs measure that family, recorded elsewhere."""
    family = responses["kind"].map(resp.FAMILY).to_numpy()
    measured = np.zeros(len(responses), dtype=bool)
    for fam in resp.FAMILIES:
        rows = family == fam
        if rows.any():
            flags = families[f"labs_{fam}"].reindex(responses["patient_id"].to_numpy()[rows])
            measured[rows] = flags.fillna(False).astype(bool).to_numpy()
    derived = (responses["source"] == "derived") & (responses["guideline"] == guideline)
    return responses[(derived & measured) | ((responses["source"] == "recorded") & ~measured)]


def _best_response(responses: pd.DataFrame, families: pd.DataFrame, thal_start: pd.Series, thal_stop: pd.Series,
                   evaluable: pd.Series) -> pd.Series:
    """Deepest response after thalidomide start and no later than 30 days after it stopped, among the responses
    shown (derived where the labs measure them, recorded elsewhere)."""
    r = shown_responses(responses[responses["kind"].isin(resp.RESPONSE_KINDS)], families, REFERENCE_GUIDELINE)
    kinds = pd.Series(dtype=object)
    if not r.empty:
        r = r.assign(date=pd.to_datetime(r["date"]), start=pd.to_datetime(r["patient_id"].map(thal_start)),
                     stop=pd.to_datetime(r["patient_id"].map(thal_stop)))
        late = r["stop"].notna() & (r["date"] > r["stop"] + pd.Timedelta(days=RESPONSE_AFTER_STOP_DAYS))
        r = r[r["start"].notna() & (r["date"] > r["start"]) & ~late]
        kinds = r.groupby("patient_id")["kind"].agg(list)
    return pd.Series({pid: resp.best_response(kinds.get(pid, []), bool(ev)) for pid, ev in evaluable.items()},
                     dtype=object)


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


def patient_summary(frames: dict[str, pd.DataFrame], responses: pd.DataFrame) -> pd.DataFrame:
    """One row per patient with the derived columns of the patient_summary table.

    ``responses`` holds recorded and derived responses (with their guideline).
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
    families = measured_families(labs, p.index)
    out = out.join(families)
    out["best_response"] = _best_response(responses, families, out["thal_start_date"], stopped.reindex(p.index),
                                          out["evaluable"]).reindex(p.index)
    out["best_response_rank"] = [rank_of(b) for b in out["best_response"]]
    return out.reset_index(drop=True)[list(SUMMARY_COLUMNS)]
