"""Rules across the datasets of one trial, applied once every source is converted and before the checks.

- An SDTM dataset and the ADaM dataset derived from it (AE and ADAE, EX and ADEX, DM and ADSL, ...) hold the same
  records: a record found in both (the same key, cmltrack.ingest.checks.KEYS) is taken once, from the ADaM (its
  analysis dates and flags), and the note says how many. Two datasets of one standard holding the same records
  are not a pair but duplicates: refused by the checks, with both rows named.
- A trial's exposure record without an end date is not "ongoing" when the subject's end of exposure is known
  (ADSL TRTEDT, DM RFXENDTC): it ends there (or on its own start day when it began after that date, as an
  incomplete record can). Without it, a subject whose participation ended (ADSL EOSDT, DM RFPENDTC) cannot still
  be on the drug afterwards: the record ends there. Either end is marked imputed.
"""

from __future__ import annotations

import pandas as pd


def key_text(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    """One string per row for the key columns (missing values equal to each other), to match rows across frames."""
    parts = [frame[k].astype("string").fillna("\x00") for k in key]
    out = parts[0]
    for p in parts[1:]:
        out = out + "\x1f" + p
    return out


def one_per_pair(table: str, frame: pd.DataFrame, key: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The frame with the SDTM rows that an ADaM dataset of the same table also holds left out, and the notes."""
    if frame.empty or "_standard" not in frame or not {"SDTM", "ADaM"} <= set(frame["_standard"].dropna()):
        return frame, []
    text = key_text(frame, key)
    adam = frame["_standard"] == "ADaM"
    again = (frame["_standard"] == "SDTM") & text.isin(set(text[adam]))
    if not again.any():
        return frame, []
    notes = []
    kept_from = ", ".join(sorted(set(frame.loc[adam, "_file"])))
    for file, n in frame.loc[again, "_file"].value_counts().sort_index().items():
        notes.append(f"{table.replace('_', ' ')}: {n} records of {file} are also in {kept_from} (same "
                     f"{', '.join(k.lstrip('_') for k in key)}): each is taken once, from the ADaM dataset")
    return frame[~again], notes


def close_open_segments(treatments: pd.DataFrame, patients: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Open exposure records of subjects whose end of exposure (or of participation) is known, closed there."""
    if treatments.empty or "_exposure_end" not in patients:
        return treatments, []
    ends = patients.dropna(subset=["patient_id"]).drop_duplicates("patient_id").set_index("patient_id")
    exposure_end = pd.to_datetime(treatments["patient_id"].map(ends["_exposure_end"]))
    study_end = pd.to_datetime(treatments["patient_id"].map(ends["_study_end"]))
    start = pd.to_datetime(treatments["start_date"])
    open_ = treatments["end_date"].isna() & start.notna() & (treatments.get("_standard") != "layout")
    by_exposure = open_ & exposure_end.notna()
    by_study = open_ & exposure_end.isna() & study_end.notna()
    if not (by_exposure | by_study).any():
        return treatments, []
    out = treatments.copy()
    end = exposure_end.where(by_exposure, study_end)
    closed = by_exposure | by_study
    out.loc[closed, "end_date"] = pd.concat([end, start], axis=1).max(axis=1)[closed].dt.date
    out.loc[closed, "end_date_imputed"] = True
    notes = []
    if by_exposure.any():
        late = int((by_exposure & (start > exposure_end)).sum())
        notes.append(f"treatments: {int(by_exposure.sum())} exposure records without an end date end at the "
                     "subject's end of exposure (TRTEDT / RFXENDTC), not 'ongoing'"
                     + (f"; {late} of them began after it and end on their first day" if late else ""))
    if by_study.any():
        notes.append(f"treatments: {int(by_study.sum())} exposure records without an end date, of subjects without "
                     "an end of exposure, end at the end of their participation (EOSDT / RFPENDTC)")
    return out, notes
