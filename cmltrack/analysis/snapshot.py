"""Where a patient stands now, for a tumour board: the latest BCR::ABL1 result and the current phase (pure).

The rules are the clinical package's: molecular depth by `clinical.responses.molecular` (Cross, Leukemia 2015), the
phase of a visit by `clinical.timeline.visit_phase` (ELN: blasts, blasts + promyelocytes, basophils; platelets on
therapy are not used; a high-risk ACA in Ph+ cells makes it at least accelerated). "Current" is the latest visit
that measures it; how old that visit is comes with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cmltrack.clinical.responses import molecular
from cmltrack.clinical.timeline import visit_phase


@dataclass(frozen=True)
class Latest:
    """A result and the date of the visit it comes from."""

    text: str
    date: pd.Timestamp


def latest_bcr_abl1(labs: pd.DataFrame) -> Latest | None:
    """The latest BCR::ABL1 IS result as shown to a board, e.g. '0.052% IS (MMR)', 'undetectable (MR4.5)', or
    None without any."""
    results = labs[labs["bcr_abl1_is_pct"].notna()].sort_values("date")
    if results.empty:
        return None
    last = results.iloc[-1]
    value = float(last["bcr_abl1_is_pct"])
    copies = None if pd.isna(last.get("abl1_copies")) else int(last["abl1_copies"])
    if value == 0:
        depth = molecular(0.0, copies) if copies is not None else None
        text = f"undetectable ({depth})" if depth else "undetectable (sample too small for a depth)"
    else:
        depth = molecular(value, copies)
        text = f"{value:.3g}% IS" + (f" ({depth})" if depth else " (no MMR)")
    return Latest(text, pd.Timestamp(last["date"]))


def current_phase(labs: pd.DataFrame, aca_since: pd.Timestamp | None = None) -> Latest | None:
    """The ELN phase ('CP', 'AP' or 'BP') at the latest visit the rules can tell it from, or None without one. From
    ``aca_since`` (the first high-risk ACA in Ph+ cells) a visit is at least accelerated, as the patient course
    shades it (`visit_phase`)."""
    for visit in labs.sort_values("date", ascending=False).to_dict("records"):
        aca = aca_since is not None and pd.Timestamp(visit["date"]) >= pd.Timestamp(aca_since)
        phase = visit_phase(visit, aca)
        if phase is not None:
            return Latest(phase, pd.Timestamp(visit["date"]))
    return None
