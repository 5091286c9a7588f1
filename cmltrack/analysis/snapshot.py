"""Where a patient stands now, for the patient card and a tumour board: the latest BCR::ABL1 result, the current
phase and the latest progression, the current TKI line and the mutation and karyotype findings (pure).

The rules are the clinical package's: molecular depth by `clinical.responses.molecular` (Cross, Leukemia 2015), the
phase of a visit by `clinical.timeline.visit_phase` (ELN: blasts, blasts + promyelocytes, basophils; platelets on
therapy are not used; a high-risk ACA in Ph+ cells makes it at least accelerated). "Current" is the latest visit
that measures it; how old that visit is comes with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cmltrack.clinical.dosing import TKIS
from cmltrack.clinical.genetics import NONE
from cmltrack.clinical.responses import molecular
from cmltrack.clinical.timeline import visit_phase
from cmltrack.clinical.units import MONTH_DAYS


def bcr_abl1_text(value: float) -> str:
    """A BCR::ABL1 IS % at three significant digits in plain notation (14.6, 0.248, 0.00321), 'undetectable' for 0."""
    if value == 0:
        return "undetectable"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return str(np.format_float_positional(value, precision=3, unique=False, fractional=False, trim="-"))


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
        text = f"{bcr_abl1_text(value)}% IS" + (f" ({depth})" if depth else " (no MMR)")
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


def latest_progression(events: pd.DataFrame) -> Latest | None:
    """The latest progression shown (events of kind PROG_AP / PROG_BP): 'AP' or 'BP' and its date; None without."""
    progression = events[events["kind"].isin(("PROG_AP", "PROG_BP"))].sort_values("date") if len(events) else events
    if progression.empty:
        return None
    return Latest(progression["kind"].iloc[-1].removeprefix("PROG_"), pd.Timestamp(progression["date"].iloc[-1]))


@dataclass(frozen=True)
class Line:
    """The TKI taken now (None when none is taken at the last visit), when its line began and how many months it has
    run (to the as-of date), or when the last TKI stopped."""

    drug: str | None
    start: pd.Timestamp | None
    months: float | None
    stopped: pd.Timestamp | None


def current_line(segments: pd.DataFrame, line_start: pd.Timestamp | None, until: dt.date) -> Line:
    """The TKI taken now (an open segment) and the months since its line began (``line_start``, from
    cmltrack.db.queries.tki_line_start); else when the last TKI stopped."""
    tki = segments[segments["drug"].isin(TKIS)] if len(segments) else segments
    if tki.empty:
        return Line(None, None, None, None)
    taken = tki[tki["end_date"].isna()]
    if len(taken) and line_start is not None and not pd.isna(line_start):
        drug = taken.sort_values("start_date")["drug"].iloc[-1]
        months = (pd.Timestamp(until) - pd.Timestamp(line_start)).days / MONTH_DAYS
        return Line(drug, pd.Timestamp(line_start), max(months, 0.0), None)
    return Line(None, None, None, pd.to_datetime(tki["end_date"]).max())


def genetics_text(found: pd.DataFrame, when: Callable[[pd.Timestamp], str]) -> tuple[str, str]:
    """(mutations, karyotype) in words from every test of the patient (cmltrack.db.queries.genetics_for): the
    latest test of each kind and what it found, dated by ``when``; 'not tested' when none was done."""
    out = []
    for test in ("mutation", "karyotype"):
        rows = found[found["test"] == test] if len(found) else found
        if rows.empty:
            out.append("not tested")
            continue
        day = rows["date"].max()
        latest = rows[rows["date"] == day]
        names = [str(finding) + ("" if test == "mutation" else " in Ph+ cells" if ph else " in Ph- cells")
                 for finding, ph in zip(latest["finding"], latest["ph_positive"])
                 if str(finding).upper() != NONE.upper()]
        dated = when(day)
        out.append((", ".join(names) if names else "none found") + (f" ({dated})" if dated else ""))
    return out[0], out[1]
