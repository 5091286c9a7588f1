"""What the header of the patient page answers first (pure pandas over one patient's rows): the latest BCR::ABL1
and its molecular level, the phase now, the current TKI line, and the mutation and karyotype findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from cmltrack.clinical.genetics import NONE
from cmltrack.clinical.responses import molecular
from cmltrack.clinical.timeline import visit_phase
from cmltrack.clinical.units import MONTH_DAYS
from cmltrack.derive import TKIS

PHASE_WORDS = {"CP": "chronic phase", "AP": "accelerated phase", "BP": "blast phase"}


@dataclass(frozen=True)
class Molecular:
    """The latest BCR::ABL1 result: date, value (% IS; 0 undetectable), ABL1 copies and level ('MR4.5', 'MMR',
    'no MMR', or 'not evaluable' for an undetectable result in a sample of under 10,000 ABL1 copies)."""

    date: pd.Timestamp
    pct: float
    copies: float | None
    level: str


def latest_bcr(labs: pd.DataFrame) -> Molecular | None:
    """The patient's latest BCR::ABL1 result (None when there is none)."""
    rows = labs[labs["bcr_abl1_is_pct"].notna()] if "bcr_abl1_is_pct" in labs else labs.iloc[0:0]
    if rows.empty:
        return None
    last = rows.sort_values("date").iloc[-1]
    pct = float(last["bcr_abl1_is_pct"])
    copies = None if pd.isna(last.get("abl1_copies")) else float(last["abl1_copies"])
    if pct == 0 and (copies is None or copies < 10_000):
        level = "not evaluable"
    else:
        level = molecular(pct, None if copies is None else int(copies)) or "no MMR"
    return Molecular(pd.Timestamp(last["date"]), pct, copies, level)


@dataclass(frozen=True)
class Phase:
    """The phase now (ELN, from the latest blood count that can tell, a high-risk ACA in Ph+ cells counting as
    accelerated), the latest progression shown (kind and date) and where the answer came from."""

    now: str | None
    source: str
    progressed_to: str | None
    progressed_on: pd.Timestamp | None


def current_phase(labs: pd.DataFrame, events: pd.DataFrame, at_diagnosis: str | None) -> Phase:
    """The phase now: the latest visit whose counts tell it (cmltrack.clinical.timeline.visit_phase), else the
    latest progression shown, else the phase at diagnosis."""
    progression = events[events["kind"].isin(("PROG_AP", "PROG_BP"))].sort_values("date") if len(events) else events
    to = progression["kind"].iloc[-1].removeprefix("PROG_") if len(progression) else None
    on = pd.Timestamp(progression["date"].iloc[-1]) if len(progression) else None
    aca = pd.to_datetime(events.loc[events["kind"] == "ACA_HR", "date"]) if len(events) else pd.Series(dtype=object)
    first_aca = aca.min() if len(aca) else None
    for visit in labs.sort_values("date", ascending=False).to_dict("records"):
        high_risk = first_aca is not None and pd.Timestamp(visit["date"]) >= first_aca
        phase = visit_phase(visit, high_risk)
        if phase is not None:
            return Phase(phase, f"blood count of {pd.Timestamp(visit['date']):%Y-%m-%d}", to, on)
    if to is not None:
        return Phase(to, "latest progression", to, on)
    return Phase(at_diagnosis if at_diagnosis in PHASE_WORDS else None, "at diagnosis", None, None)


@dataclass(frozen=True)
class Line:
    """The current TKI (None when none is taken at the last visit), when its line began and how many months it has
    run (to ``until``), or when the last TKI stopped."""

    drug: str | None
    start: pd.Timestamp | None
    months: float | None
    stopped: pd.Timestamp | None


def current_line(segments: pd.DataFrame, line_start: pd.Timestamp | None, until: dt.date) -> Line:
    """The TKI taken now (an open segment) and the months since its line began; else when the last TKI stopped."""
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
        names = []
        for finding, ph in zip(latest["finding"], latest["ph_positive"]):
            if str(finding).upper() == NONE.upper():
                continue
            names.append(str(finding) + ("" if test == "mutation" else " in Ph+ cells" if ph else " in Ph- cells"))
        out.append(f"{', '.join(names) if names else 'none found'} ({when(day)})")
    return out[0], out[1]
