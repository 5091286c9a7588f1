"""Where recorded responses and responses derived from the labs disagree (pure pandas and numpy)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cmltrack.clinical.responses import LABELS

#: A recorded and a derived event of the same kind this close are the same event.
MATCH_DAYS = 45
COLUMNS = ("patient_id", "kind", "recorded_date", "derived_date", "finding")
_DIFFER, _RECORDED_ONLY, _DERIVED_ONLY = ("dates differ by {} days", "recorded, not found in the labs",
                                          "shown by the labs, not recorded")


def _match(recorded: list[int], derived: list[int], match_days: int) -> tuple[list[tuple], list[int]]:
    """Pair each recorded day (in order) with the nearest unpaired derived day within ``match_days`` (the earlier
    on a tie): the (recorded, derived or None) rows that disagree, and the derived days left unpaired."""
    rows, left = [], list(derived)
    for rec in recorded:
        near = [d for d in left if abs(d - rec) <= match_days]
        if near:
            best = min(near, key=lambda d: abs(d - rec))
            left.remove(best)
            if best != rec:
                rows.append((rec, best))
        else:
            rows.append((rec, None))
    return rows, left


def disagreements(responses: pd.DataFrame, match_days: int = MATCH_DAYS) -> pd.DataFrame:
    """Events only one source has, or that both have on different dates, for patients with recorded responses.

    ``responses``: patient_id, date, kind, source ('recorded' | 'derived'), derived under one guideline, limited
    to the families the patients' labs measure (cmltrack.db.queries.comparable_responses). Rows by patient, kind,
    then the recorded events in date order and the derived ones left over. Only the (patient, kind) pairs that have
    both sources are paired one by one; the others are read off whole, so a registry of 100,000 patients takes a
    second, not minutes.
    """
    recorded_by = set(responses.loc[responses["source"] == "recorded", "patient_id"])
    r = responses[responses["patient_id"].isin(recorded_by)]  # with nothing recorded there is nothing to disagree
    if r.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    dates = pd.to_datetime(r["date"])
    day = dates.to_numpy("datetime64[D]").astype(np.int64)
    group = r.groupby(["patient_id", "kind"], sort=True).ngroup().to_numpy()
    is_rec = (r["source"] == "recorded").to_numpy()
    order = np.lexsort((day, group))
    group, day, is_rec = group[order], day[order], is_rec[order]
    n_groups = int(group.max()) + 1
    mixed = (np.bincount(group, weights=is_rec, minlength=n_groups) > 0) & (
        np.bincount(group, weights=~is_rec, minlength=n_groups) > 0)
    in_mixed = mixed[group]
    # groups of one source: every recorded event is missing from the labs, every derived one unrecorded
    g_out, phase, rec_out, der_out = [group[~in_mixed]], [(~is_rec[~in_mixed]).astype(np.int64)], [], []
    rec_out.append(np.where(is_rec[~in_mixed], day[~in_mixed], np.iinfo(np.int64).min))
    der_out.append(np.where(~is_rec[~in_mixed], day[~in_mixed], np.iinfo(np.int64).min))
    # groups of both: pair them
    idx = np.flatnonzero(in_mixed)
    bounds = np.flatnonzero(np.diff(group[idx])) + 1
    rows_g, rows_p, rows_r, rows_d = [], [], [], []
    for chunk in np.split(idx, bounds) if len(idx) else []:
        g, days, rec = int(group[chunk[0]]), day[chunk].tolist(), is_rec[chunk].tolist()
        pairs, left = _match([d for d, x in zip(days, rec) if x], [d for d, x in zip(days, rec) if not x],
                             match_days)
        for rec_day, der_day in pairs:
            rows_g.append(g), rows_p.append(0), rows_r.append(rec_day)
            rows_d.append(np.iinfo(np.int64).min if der_day is None else der_day)
        for der_day in left:
            rows_g.append(g), rows_p.append(1), rows_r.append(np.iinfo(np.int64).min), rows_d.append(der_day)
    g_out.append(np.array(rows_g, dtype=np.int64))
    phase.append(np.array(rows_p, dtype=np.int64))
    rec_out.append(np.array(rows_r, dtype=np.int64))
    der_out.append(np.array(rows_d, dtype=np.int64))
    g_all, p_all, r_all, d_all = (np.concatenate(a) for a in (g_out, phase, rec_out, der_out))
    within = np.where(p_all == 0, r_all, d_all)
    keep = np.lexsort((within, p_all, g_all))
    g_all, r_all, d_all = g_all[keep], r_all[keep], d_all[keep]
    keys = r.groupby(["patient_id", "kind"], sort=True).size().index
    missing = np.iinfo(np.int64).min
    rec_dates, der_dates = (pd.Series(np.where(a == missing, np.datetime64("NaT"), a.astype("datetime64[D]")))
                            .astype(dates.dtype) for a in (r_all, d_all))
    finding = np.where(d_all == missing, _RECORDED_ONLY, _DERIVED_ONLY).astype(object)
    both = np.flatnonzero((d_all != missing) & (r_all != missing))
    finding[both] = [_DIFFER.format(abs(d - x)) for d, x in zip(d_all[both].tolist(), r_all[both].tolist())]
    out = pd.DataFrame({"patient_id": keys.get_level_values(0)[g_all], "kind": keys.get_level_values(1)[g_all],
                        "recorded_date": rec_dates, "derived_date": der_dates, "finding": finding})
    return out.assign(kind=out["kind"].map(LABELS)).reset_index(drop=True)
