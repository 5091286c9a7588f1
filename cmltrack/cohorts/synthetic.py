"""Synthetic cohorts of any size with the demo cohort's distributions, generated vectorised (numpy, no Python loop
per patient or per row) and reproducible from a seed.

Patient-level draws (sex, status, age, baseline counts, months of imatinib before thalidomide, follow-up) take the
demo cohort's shares, means and spreads (cmltrack.cohorts.demo.SPECS). Each patient gets about 40 visits from imatinib
start to the data cut-off: BCR::ABL1 on a log scale falling on imatinib to a patient-specific plateau and, in
responders, further after thalidomide starts; marrow cytogenetics at every fourth visit (Ph+ % following BCR::ABL1);
blood counts normal once the patient's BCR::ABL1 is below 10%. Imatinib 400 mg/d (a third escalated to 600),
thalidomide 100 mg/d (a quarter stopped), and adverse events from the demo's terms. All patients are fictitious (IDs
SYN-..., no names).

Treatment-free remission: a quarter of the imatinib-intolerant patients with at least 30 months of imatinib respond
deeply (MR4.5 range), stop imatinib (and thalidomide) for TFR and are followed 8-36 months more; 45% of them lose
MMR 2-8 months after the stop (BCR::ABL1 rising past 0.1%) and restart imatinib 400 mg/d 2-6 weeks later, after
which BCR::ABL1 falls again. These draws come from a generator of their own, so the rest of the cohort is as before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cmltrack.cohorts.demo import _AE_TERMS, SPECS, THALIDOMIDE_MG
from cmltrack.timeaxis import MONTH_DAYS

SOURCE = "synthetic cohort"
_EPOCH = np.datetime64("2004-01-01", "D")
#: Share of the eligible patients (imatinib-intolerant, >= 30 months of imatinib) who stop for TFR; share of those
#: who lose MMR afterwards.
TFR_SHARE, TFR_RECURRENCE = 0.25, 0.45
_TFR_REASON = "treatment-free remission"  # cmltrack.clinical.tfr.TFR_REASON, as the importer stores it


def _demo_stats() -> dict[str, tuple[float, float]]:
    """Mean and standard deviation of each demo patient attribute."""
    frame = pd.DataFrame([s.__dict__ for s in SPECS])
    cols = ("age", "basophils", "spleen", "platelets", "blasts", "eosinophils", "im_months", "fu_months")
    return {c: (float(frame[c].mean()), float(frame[c].std())) for c in cols}


def _shares() -> dict[str, float]:
    frame = pd.DataFrame([s.__dict__ for s in SPECS])
    return {"female": float((frame["sex"] == "F").mean()), "resistant": float((frame["status"] == "resistant").mean()),
            "AP": float((frame["phase_dx"] == "AP").mean()), "BP": float((frame["phase_dx"] == "BP").mean()),
            "stopped": float(frame["stop"].notna().mean())}


def _days(months: np.ndarray) -> np.ndarray:
    return np.round(months * MONTH_DAYS).astype("timedelta64[D]")


def synthetic_frames(n: int, seed: int = 0, visits: int = 40) -> dict[str, pd.DataFrame]:
    """The fact tables of ``n`` synthetic patients with about ``visits`` visits each."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rng = np.random.default_rng(seed)
    stats, shares = _demo_stats(), _shares()

    def draw(name: str, low: float, high: float) -> np.ndarray:
        mean, sd = stats[name]
        return np.clip(rng.normal(mean, sd, n), low, high)

    ids = np.char.add("SYN-", np.char.zfill(np.arange(1, n + 1).astype(str), 6))
    female = rng.random(n) < shares["female"]
    resistant = rng.random(n) < shares["resistant"]
    age = np.round(draw("age", 18, 90))
    im_months = draw("im_months", 3, 140)
    fu_months = draw("fu_months", 1, 24)
    im_start = _EPOCH + rng.integers(0, 365 * 8, n).astype("timedelta64[D]")
    thal_start = im_start + _days(im_months)
    cutoff = thal_start + _days(fu_months)
    tfr = _tfr_plan(n, seed, resistant, im_months, fu_months, thal_start)
    cutoff = np.where(tfr["stops"], tfr["stop"] + _days(tfr["follow"]), cutoff)
    u = rng.random(n)
    phase_dx = np.where(u < shares["BP"], "BP", np.where(u < shares["BP"] + shares["AP"], "AP", "CP"))
    birth = thal_start - _days(age * 12 + rng.random(n) * 12)
    diagnosis = im_start - rng.integers(7, 60, n).astype("timedelta64[D]")
    patients = pd.DataFrame({
        "patient_id": ids, "mrn": np.char.add("FAKE-", ids), "display_name": None, "sex": np.where(female, "F", "M"),
        "birth_date": birth, "diagnosis_date": diagnosis, "phase_at_diagnosis": phase_dx,
        "im_status": np.where(resistant, "resistant", "intolerant"),
        "spleen_cm": np.round(draw("spleen", 0, 25)), "platelets": np.round(draw("platelets", 80, 2000)),
        "blasts_pct": np.round(draw("blasts", 0, 29), 1), "basophils_pct": np.round(draw("basophils", 0, 20), 1),
        "eosinophils_pct": np.round(draw("eosinophils", 0, 15), 1), "age_at_entry": None,
        "last_contact_date": cutoff,
    })

    # treatments: imatinib (a third escalated to 600 mg/d), thalidomide (a share stopped)
    escalate = rng.random(n) < 1 / 3
    esc_at = im_start + _days(im_months * rng.uniform(0.3, 0.8, n))
    stopped = rng.random(n) < shares["stopped"]
    stop_at = thal_start + _days(fu_months * rng.uniform(0.2, 0.9, n))
    im_first = pd.DataFrame({"patient_id": ids, "drug": "imatinib", "dose_mg": 400.0, "start_date": im_start,
                             "end_date": np.where(escalate, esc_at - np.timedelta64(1, "D"), np.datetime64("NaT")),
                             "reason_stopped": None})
    im_second = pd.DataFrame({"patient_id": ids[escalate], "drug": "imatinib", "dose_mg": 600.0,
                              "start_date": esc_at[escalate], "end_date": np.datetime64("NaT"),
                              "reason_stopped": None})
    thal = pd.DataFrame({"patient_id": ids, "drug": "thalidomide", "dose_mg": float(THALIDOMIDE_MG),
                         "start_date": thal_start, "end_date": np.where(stopped, stop_at, np.datetime64("NaT")),
                         "reason_stopped": np.where(stopped, rng.choice(["toxicity", "patient choice", "progression"],
                                                                        n), None)})
    treatments = pd.concat([im_first, im_second, thal], ignore_index=True)
    treatments = _tfr_treatments(treatments, ids, tfr)

    # visits: about `visits` per patient, spread from imatinib start to the cut-off
    span_days = (cutoff - im_start).astype(int)
    k = np.clip(np.round(rng.normal(visits, visits * 0.15, n)), 8, visits * 2).astype(int)
    k = np.minimum(k, span_days // 7)  # at least a week apart: one visit a day per patient
    owner = np.repeat(np.arange(n), k)
    first_of = np.repeat(np.cumsum(k) - k, k)
    position = np.arange(owner.size) - first_of
    span = span_days.astype(float)[owner]
    offset = np.round(span * (position + rng.uniform(0.1, 0.9, owner.size)) / k[owner]).astype("timedelta64[D]")
    date = im_start[owner] + offset
    t_im = (date - im_start[owner]).astype(float) / MONTH_DAYS
    t_thal = (date - thal_start[owner]).astype(float) / MONTH_DAYS

    # BCR::ABL1 (IS %, log10): from ~50% falling on imatinib to a plateau; responders fall further on thalidomide
    plateau = np.where(resistant, rng.uniform(-0.2, 1.4, n), rng.uniform(-1.5, 0.8, n))
    responder = rng.random(n) < 0.4
    slope_im = rng.uniform(0.05, 0.25, n)
    slope_thal = np.where(responder, rng.uniform(0.1, 0.5, n), 0.0)
    plateau = np.where(tfr["stops"], tfr["plateau"], plateau)
    slope_im = np.where(tfr["stops"], tfr["slope"], slope_im)
    log_bcr = np.maximum(1.7 - slope_im[owner] * t_im, plateau[owner])
    log_bcr = log_bcr - slope_thal[owner] * np.clip(t_thal, 0, None) + rng.normal(0, 0.12, owner.size)
    log_bcr = _tfr_course(log_bcr, owner, date, tfr)
    log_bcr = np.clip(log_bcr, -4.5, 2.0)
    bcr = np.round(10 ** log_bcr, 4)
    marrow = position % 4 == 0
    ph = np.where(marrow, np.clip(np.round(bcr * 2.2 + rng.normal(0, 3, owner.size)), 0, 100), np.nan)
    controlled = log_bcr < 1.0  # below 10%: blood counts normal (CHR)
    labs = pd.DataFrame({
        "patient_id": ids[owner], "date": date,
        "wbc": np.round(np.where(controlled, rng.uniform(4, 9.5, owner.size), rng.uniform(11, 40, owner.size)), 1),
        "hb": np.round(rng.uniform(105, 150, owner.size)),
        "platelets": np.round(np.where(controlled, rng.uniform(160, 420, owner.size),
                                       rng.uniform(460, 900, owner.size))),
        "blasts_pct": np.where(controlled, 0.0, np.round(rng.uniform(0, 4, owner.size), 1)),
        "promyelocytes_pct": 0.0,
        "immature_granulocytes_pct": np.where(controlled, 0.0, np.round(rng.uniform(1, 8, owner.size), 1)),
        "basophils_pct": np.round(np.where(controlled, rng.uniform(0, 1.5, owner.size),
                                           rng.uniform(2, 12, owner.size)), 1),
        "spleen_cm": np.where(controlled, 0.0, np.round(rng.uniform(0, 6, owner.size))),
        "bcr_abl1_is_pct": bcr, "abl1_copies": rng.integers(20_000, 120_000, owner.size),
        "ph_pos_pct": ph, "metaphases": np.where(marrow, 20, np.nan),
    })

    # adverse events: about two per patient, from the demo's terms
    m = rng.poisson(2.0, n)
    who = np.repeat(np.arange(n), m)
    terms = np.array(list(_AE_TERMS))
    pick = rng.integers(0, len(terms), who.size)
    attributed = np.array([_AE_TERMS[t][1] for t in terms], dtype=object)[pick]
    onset = np.where(attributed == "thalidomide",
                     thal_start[who] + _days(fu_months[who] * rng.uniform(0, 0.9, who.size)),
                     im_start[who] + _days(im_months[who] * rng.uniform(0, 0.9, who.size)))
    grade = rng.choice([1, 2, 3, 4], who.size, p=[0.5, 0.35, 0.12, 0.03])
    lasting = rng.random(who.size) < 0.8
    adverse_events = pd.DataFrame({
        "patient_id": ids[who], "term": np.array([_AE_TERMS[t][0] for t in terms])[pick], "meddra_pt": terms[pick],
        "ctcae_grade": grade, "ctcae_version": "5.0", "onset_date": onset,
        "end_date": np.where(lasting, onset + rng.integers(7, 120, who.size).astype("timedelta64[D]"),
                             np.datetime64("NaT")),
        "serious": grade >= 3, "attributed_drug": attributed,
    })
    labs = _tfr_visits(labs, ids, cutoff, tfr)
    responses = pd.DataFrame(columns=["patient_id", "date", "kind"])  # derived from the labs when written
    out = {"patients": patients, "treatments": treatments, "labs": labs, "responses": responses,
           "adverse_events": adverse_events}
    for frame in out.values():  # DATE columns as dates, as every other source gives them
        for c in frame.columns:
            if c.endswith("date") and len(frame):
                frame[c] = pd.to_datetime(frame[c]).dt.date
    return out



def _tfr_plan(n: int, seed: int, resistant: np.ndarray, im_months: np.ndarray, fu_months: np.ndarray,
              thal_start: np.ndarray) -> dict[str, np.ndarray]:
    """Who stops for TFR, when, how deep their response is, whether and when they lose MMR and restart."""
    rng = np.random.default_rng([seed, 19])  # a stream of its own: the other draws stay what they were
    stops = ~resistant & (im_months >= 30) & (rng.random(n) < TFR_SHARE)
    stop = thal_start + _days(fu_months * rng.uniform(0.5, 0.9, n))
    recurs = stops & (rng.random(n) < TFR_RECURRENCE)
    recur_months = rng.choice(np.array([2.0, 3.0, 4.0, 5.0, 6.0, 8.0]), n)  # a scheduled test finds it
    restart = stop + _days(recur_months + rng.uniform(0.5, 1.5, n))
    return {"stops": stops, "stop": stop, "follow": rng.uniform(8, 36, n), "plateau": rng.uniform(-4.3, -3.4, n),
            "slope": rng.uniform(0.2, 0.3, n), "recurs": recurs, "recur_months": recur_months,
            "restart": restart, "rng": rng}


def _tfr_treatments(treatments: pd.DataFrame, ids: np.ndarray, tfr: dict[str, np.ndarray]) -> pd.DataFrame:
    """Open imatinib (and thalidomide) segments of the patients who stop end the day before the stop; those who
    lose MMR take imatinib 400 mg/d again from the restart."""
    stopping = dict(zip(ids[tfr["stops"]], tfr["stop"][tfr["stops"]]))
    if not stopping:
        return treatments
    last_day = treatments["patient_id"].map(stopping) - np.timedelta64(1, "D")
    open_ = treatments["end_date"].isna() & last_day.notna() & (treatments["start_date"] <= last_day)
    late_thal = (treatments["drug"] == "thalidomide") & treatments["end_date"].notna() & last_day.notna() \
        & (treatments["end_date"] > last_day)  # a planned thalidomide stop after the TKI stop comes forward
    ends = open_ | late_thal
    treatments = treatments.assign(
        end_date=treatments["end_date"].where(~ends, last_day),
        reason_stopped=treatments["reason_stopped"].where(~ends, np.where(
            treatments["drug"] == "imatinib", _TFR_REASON, "stopped with imatinib (TFR)")))
    again = tfr["recurs"]
    restart = pd.DataFrame({"patient_id": ids[again], "drug": "imatinib", "dose_mg": 400.0,
                            "start_date": tfr["restart"][again], "end_date": np.datetime64("NaT"),
                            "reason_stopped": None})
    return pd.concat([treatments, restart], ignore_index=True)


def _tfr_course(log_bcr: np.ndarray, owner: np.ndarray, date: np.ndarray, tfr: dict[str, np.ndarray]) -> np.ndarray:
    """BCR::ABL1 (log10 IS %) after a TFR stop: deep for those who stay in remission; for those who lose MMR a rise
    past 0.1% (to 0.2%) from the month before the recurrence to it, continuing (to at most 1%) to the restart, then a
    fall of 0.3 log a month."""
    off = tfr["stops"][owner] & (date >= tfr["stop"][owner])
    if not off.any():
        return log_bcr
    months_off = (date - tfr["stop"][owner]).astype(float) / MONTH_DAYS
    base = tfr["plateau"][owner]
    rise = (np.log10(0.2) - base) / tfr["recur_months"][owner]
    rise_from = tfr["recur_months"][owner] - 1  # deep until a month before the test that finds the loss
    rise = np.log10(0.2) - base  # per month: 0.2% at the month of recurrence
    months_to_restart = (tfr["restart"][owner] - tfr["stop"][owner]).astype(float) / MONTH_DAYS
    peak = np.minimum(base + rise * (months_to_restart - rise_from), 0.0)  # at most 1%
    since_restart = (date - tfr["restart"][owner]).astype(float) / MONTH_DAYS
    rising = np.where(since_restart < 0, np.minimum(base + rise * np.clip(months_off - rise_from, 0, None), 0.0),
                      np.maximum(peak - 0.3 * since_restart, base))
    course = np.where(tfr["recurs"][owner], rising, log_bcr)
    return np.where(off, np.clip(course, -4.5, 2.0), log_bcr)


#: Months after a TFR stop with a scheduled BCR::ABL1 (ELN 2020: monthly to month 6, every 2 months to 12, then 3).
_TFR_VISITS = np.array([1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 21, 24, 27, 30, 33, 36], dtype=float)


def _tfr_visits(labs: pd.DataFrame, ids: np.ndarray, cutoff: np.ndarray, tfr: dict[str, np.ndarray]) -> pd.DataFrame:
    """The scheduled visits after each TFR stop (BCR::ABL1 and a normal blood count), beside the regular ones; a
    scheduled visit on the day of a regular one is not added."""
    who = np.flatnonzero(tfr["stops"])
    if who.size == 0:
        return labs
    rng = tfr["rng"]
    owner = np.repeat(who, _TFR_VISITS.size)
    date = tfr["stop"][owner] + _days(np.tile(_TFR_VISITS, who.size))
    keep = date <= cutoff[owner]
    owner, date = owner[keep], date[keep]
    log_bcr = _tfr_course(tfr["plateau"][owner], owner, date, tfr) + rng.normal(0, 0.1, owner.size)
    visits = pd.DataFrame({
        "patient_id": ids[owner], "date": date, "wbc": np.round(rng.uniform(4, 9.5, owner.size), 1),
        "hb": np.round(rng.uniform(115, 150, owner.size)), "platelets": np.round(rng.uniform(160, 420, owner.size)),
        "blasts_pct": 0.0, "promyelocytes_pct": 0.0, "immature_granulocytes_pct": 0.0,
        "basophils_pct": np.round(rng.uniform(0, 1.5, owner.size), 1), "spleen_cm": 0.0,
        "bcr_abl1_is_pct": np.round(10 ** np.clip(log_bcr, -4.5, 2.0), 4),
        "abl1_copies": rng.integers(40_000, 120_000, owner.size), "ph_pos_pct": np.nan, "metaphases": np.nan,
    })
    out = pd.concat([labs, visits], ignore_index=True).sort_values(["patient_id", "date"], kind="stable")
    # in that order a repeated (patient, day) follows its first row (stable: the regular visit first): dropping
    # each row equal to the one before keeps what drop_duplicates(keep="first") keeps, without hashing every row
    pid, day = out["patient_id"].to_numpy(), out["date"].to_numpy()
    repeated = np.r_[False, (pid[1:] == pid[:-1]) & (day[1:] == day[:-1])]
    return out[~repeated].reset_index(drop=True)
