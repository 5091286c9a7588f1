"""Treatment-free remission courses derived from the treatments and the labs (pure pandas, vectorised).

One row per TKI stop for TFR (cmltrack.clinical.tfr.is_tfr_stop on the segment's stop reason) after which no TKI
is taken the next day: TFR begins the day after the last dose; molecular recurrence is the first BCR::ABL1 result
> 0.1% (loss of MMR, ELN 2020: cmltrack.clinical.tfr.molecular_recurrence) after the stop and up to the restart; the
restart is the first TKI segment begun after the stop. Both stay empty while they have not happened.
"""

from __future__ import annotations

import pandas as pd

from cmltrack.clinical.dosing import TKIS
from cmltrack.clinical.tfr import is_tfr_stop, molecular_recurrence

TFR_COLUMNS: tuple[str, ...] = ("patient_id", "drug", "start_date", "recurrence_date", "recurrence_pct",
                                "restart_date", "restart_drug")


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(TFR_COLUMNS))


def tfr_courses(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The TFR courses of every patient (columns TFR_COLUMNS; dates as datetime.date, None when not reached)."""
    treatments = frames["treatments"]
    if treatments.empty or "reason_stopped" not in treatments:
        return _empty()
    tki = treatments[treatments["drug"].isin(TKIS)].assign(
        start_date=lambda t: pd.to_datetime(t["start_date"]), end_date=lambda t: pd.to_datetime(t["end_date"]))
    stops = tki[tki["end_date"].notna() & tki["reason_stopped"].map(is_tfr_stop)]
    if stops.empty:
        return _empty()
    stops = stops.assign(start=stops["end_date"] + pd.Timedelta(days=1))[["patient_id", "drug", "start"]]
    # the next TKI begun (or still taken) on or after the first day off: a restart, or (the same day) no TFR at all
    after = stops.reset_index().merge(tki[["patient_id", "drug", "start_date", "end_date"]], on="patient_id",
                                      suffixes=("", "_next"))
    covering = after[(after["start_date"] <= after["start"])
                     & (after["end_date"].isna() | (after["end_date"] >= after["start"]))]
    stops = stops.drop(index=covering["index"].unique())
    later = after[after["start_date"] >= after["start"]].sort_values("start_date")
    first = later.groupby("index").first()
    stops = stops.assign(restart_date=first["start_date"].reindex(stops.index),
                         restart_drug=first["drug_next"].reindex(stops.index))
    stops = stops[~(stops["restart_date"] == stops["start"])]  # taken again the very next day: no remission
    labs = frames["labs"]
    rec = pd.DataFrame(columns=["date", "bcr_abl1_is_pct"])
    if not labs.empty and "bcr_abl1_is_pct" in labs:
        pcr = labs[labs["bcr_abl1_is_pct"].notna() & labs["patient_id"].isin(stops["patient_id"])]
        pcr = pcr[pcr["bcr_abl1_is_pct"].map(molecular_recurrence)]
        rec = stops.reset_index().merge(pcr.assign(date=pd.to_datetime(pcr["date"]))[
            ["patient_id", "date", "bcr_abl1_is_pct"]], on="patient_id")
        rec = rec[(rec["date"] >= rec["start"]) & (rec["restart_date"].isna() | (rec["date"] <= rec["restart_date"]))]
        rec = rec.sort_values("date").groupby("index")[["date", "bcr_abl1_is_pct"]].first()
    out = stops.assign(recurrence_date=rec["date"].reindex(stops.index),
                       recurrence_pct=rec["bcr_abl1_is_pct"].reindex(stops.index))
    out = out.rename(columns={"start": "start_date"})
    out = out.sort_values(["patient_id", "start_date"]).reset_index(drop=True)
    for column in ("start_date", "recurrence_date", "restart_date"):
        stamps = pd.to_datetime(out[column])
        out[column] = stamps.dt.date.astype(object).where(stamps.notna(), None)
    out["recurrence_pct"] = out["recurrence_pct"].astype(float)
    out["restart_drug"] = out["restart_drug"].astype(object).where(out["restart_drug"].notna(), None)
    return out[list(TFR_COLUMNS)]
