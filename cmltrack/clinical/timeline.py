"""One patient's response timeline derived from their visits, and their ELN classification at each milestone.

Rules (responses.py, phase.py, milestones.py, genetics.py hold the definitions):
- CHR: first visit meeting every criterion. A count without a differential (immature granulocytes) cannot show CHR
  and is skipped. Loss of CHR: any criterion failing afterwards (ELN 2013, table 2).
- PCyR / CCyR: first marrow in that category with >= 20 metaphases, or CCyR by interphase FISH (< 1% of >= 200
  nuclei). Loss of CCyR: any Ph+ metaphase after CCyR, however few metaphases were counted (ELN 2013, table 2).
- MMR and deeper: first BCR::ABL1 result at that depth (Cross 2015). Loss of MMR: ELN 2013 needs two consecutive
  results > 0.1%, one of them >= 1% (table 5 footnote; dated at the first of that pair); ELN 2020 (and 2025) count
  a single result > 0.1%.
- ELN 2009 (table 5, footnotes): every loss is "to be confirmed on 2 occasions" (two consecutive tests; dated at the
  first), unless associated with a worse event: loss of CHR unless with progression to AP/BP; loss of CCyR unless
  with loss of CHR or progression; loss of MMR unless with loss of CHR or of CCyR. An unconfirmed single result is
  no loss, and nothing is "regained" after it.
- Progression: a visit whose ELN phase is worse than the previous one's (each criterion on the values present;
  platelets not used on therapy; a high-risk ACA in Ph+ cells found on treatment is accelerated phase until a later
  karyotype no longer shows it). A patient back in chronic phase who worsens again progresses again.
- Milestones: for each test, the result nearest the milestone within its window (milestones.WINDOW_BEFORE before to
  WINDOW_AFTER after). ELN 2020 failure at 3 months: > 10% confirmed by a second result > 10% within 1-3 months.
- Latest: the newest result of each test, no older than 6 months for BCR::ABL1 and 3 months for blood counts; a
  marrow older than 12 months, or older than a BCR::ABL1 <= 1% (ELN 2020: CCyR corresponds to <= 1%), is not used.
  It is classified with the row of the milestone window it falls in (day 365 is the 12-month visit), after the last
  window with the "any time" row, plus what only the history shows: a response never reached by the last milestone
  keeps that milestone's criterion for its test; a confirmed loss not regained (ELN 2013 loss of MMR: failure;
  ELN 2009 loss of CHR or CCyR: failure, of MMR: suboptimal); mutations and ACA found on treatment
  (milestones.GENETIC_RULES).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cmltrack.clinical import milestones
from cmltrack.clinical.assessments import Cohort
from cmltrack.clinical.genetics import Finding, status
from cmltrack.clinical.phase import PHASES
from cmltrack.clinical.visits import Visit, VisitClass, classify_visit, count_phase

_DEPTHS = ("MMR", "MR4", "MR4.5", "MR5")
_LEVEL = {name: i for i, name in enumerate(_DEPTHS)}
_RANK = {name: i for i, name in enumerate(PHASES)}
#: ELN 2009 confirms a loss on this many consecutive tests.
CONFIRMATIONS_2009 = 2


@dataclass(frozen=True)
class Assessment:
    """ELN classification of one patient at one milestone ('3', '6', '12', '18' months, or 'latest')."""

    milestone: str
    date: dt.date
    months: float
    category: str
    bcr_abl1_is_pct: float | None
    ph_pos_pct: float | None
    chr: bool | None


def classified(visits: Sequence[Visit]) -> list[VisitClass]:
    """The visits in date order, each classified (visits.classify_visit)."""
    return [classify_visit(v) for v in sorted(visits, key=lambda v: v["date"])]


def visit_phase(v: Visit, aca_ph_positive: bool = False) -> str | None:
    """ELN phase of a visit on therapy (None: the counts cannot tell); a high-risk ACA in Ph+ cells makes a
    chronic or unknown phase accelerated."""
    return _with_aca(count_phase(v), aca_ph_positive)


def _with_aca(counted: str | None, aca_ph_positive: bool) -> str | None:
    return ("BP" if counted == "BP" else "AP") if aca_ph_positive else counted


def karyotype_dates(genetics: Sequence[Finding], since: dt.date | None) -> dict[dt.date, bool]:
    """Karyotype date -> whether it shows a high-risk ACA in Ph+ cells (karyotypes before ``since`` left out)."""
    out: dict[dt.date, bool] = {}
    for f in genetics:
        if f.test == "karyotype" and (since is None or f.date >= since):
            out[f.date] = out.get(f.date, False) or bool(status([f], f.date).aca_high_risk)
    return out


def _check(guideline: str) -> None:
    if guideline not in milestones.GUIDELINES:
        raise ValueError(f"guideline must be one of {list(milestones.GUIDELINES)}, got {guideline!r}")


def derive_events(visits: Sequence[Visit], guideline: str = "ELN2020", genetics: Sequence[Finding] = (),
                  treatment_start: dt.date | None = None) -> list[tuple[dt.date, str]]:
    """Responses, losses and progression as (date, kind), in date order.

    ``genetics``: the patient's mutation and karyotype findings; a high-risk ACA in Ph+ cells dated on or after
    ``treatment_start`` (any date when None) is an accelerated-phase criterion.
    """
    _check(guideline)
    return course_events(classified(visits), guideline,
                         karyotype_dates(genetics, treatment_start) if genetics else {})


def course_events(items: Sequence[VisitClass], guideline: str,
                  karyotypes: Mapping[dt.date, bool] | None = None) -> list[tuple[dt.date, str]]:
    """`derive_events` of visits already classified (VisitClass, or tuples of its fields), in date order;
    ``karyotypes``: karyotype_dates."""
    confirm = guideline == "ELN2009"
    events: list[tuple[dt.date, str]] = []
    in_chr, cyto, depth, last_phase, aca = False, "none", -1, None, False
    above: list[tuple[dt.date, float]] = []  # consecutive results > 0.1% since MMR
    non_chr: list[dt.date] = []  # consecutive counts without CHR since CHR (ELN 2009: awaiting confirmation)
    ph_pending: tuple[dt.date, str | None] | None = None  # ELN 2009: first Ph+ marrow after CCyR, unconfirmed
    if karyotypes:  # a karyotype is read before a visit of the same day
        merged = sorted([(d, 0, None) for d in karyotypes] + [(v[0], 1, v) for v in items],
                        key=lambda item: item[:2])
        steps: Sequence[VisitClass | tuple] = [v if v is not None else (d, None) for d, _, v in merged]
    else:
        steps = items
    for step in steps:
        if len(step) == 2:  # a karyotype: ACA status changes; the phase moves with it
            date = step[0]
            aca = karyotypes[date]
            now = "AP" if aca and last_phase != "BP" else None
            chr_now, ph_positive, cat, bcr, reached = None, False, None, None, None
        else:
            date, chr_now, ph_positive, cat, _, bcr, reached, counted = step
            now = ("BP" if counted == "BP" else "AP") if aca else counted
        progressed = lost_chr = lost_ccyr = False
        if now is not None:
            progressed = last_phase is not None and _RANK[now] > _RANK[last_phase]
            last_phase = now
        if chr_now is True:
            if not in_chr:
                events.append((date, "CHR"))
            in_chr, non_chr = True, []
        elif chr_now is False and in_chr:
            non_chr.append(date)
            if not confirm or len(non_chr) >= CONFIRMATIONS_2009 or progressed:
                events.append((non_chr[0], "LOSS_CHR"))
                in_chr, non_chr, lost_chr = False, [], True
        if progressed:
            events.append((date, f"PROG_{now}"))

        if cyto == "CCyR" and ph_positive:  # any Ph+ metaphase
            if confirm and ph_pending is None and not (lost_chr or progressed):
                ph_pending = (date, cat)
            else:
                first = ph_pending[0] if ph_pending else date
                events.append((first, "LOSS_CCYR"))
                cyto, ph_pending, lost_ccyr = ("PCyR" if cat == "PCyR" else "none"), None, True
        elif cat == "CCyR":
            if cyto != "CCyR":
                events.append((date, "CCYR"))
            cyto, ph_pending = "CCyR", None
        elif cat == "PCyR" and cyto == "none":
            events.append((date, "PCYR"))
            cyto = "PCyR"
        elif cat in ("minor", "minimal", "none") and cyto != "CCyR":
            cyto = "none"
        if ph_pending is not None and cyto == "CCyR" and (lost_chr or progressed):  # associated with a worse event
            events.append((ph_pending[0], "LOSS_CCYR"))
            cyto, ph_pending, lost_ccyr = ("PCyR" if ph_pending[1] == "PCyR" else "none"), None, True

        if bcr is not None:
            if reached is not None:
                above = []
                level = _LEVEL[reached]
                if depth < 0:
                    events.append((date, "MMR"))
                if level > max(depth, 0):
                    events.append((date, reached))
                depth = max(depth, level)
            elif depth >= 0:
                above.append((date, bcr))
        if depth >= 0 and above and _mmr_lost(guideline, above, lost_chr or lost_ccyr):
            first_test = {"ELN2009": 0, "ELN2013": -2}.get(guideline, -1)  # the first test of the confirming run
            events.append((above[first_test][0], "LOSS_MMR"))
            depth, above = -1, []
    return sorted(events, key=lambda e: e[0])


def _mmr_lost(guideline: str, above: list[tuple[dt.date, float]], worse_loss: bool) -> bool:
    """Whether the run of results > 0.1% since MMR is a loss of MMR under the guideline."""
    if guideline == "ELN2013":  # 2 consecutive tests, one of them >= 1%
        return len(above) >= 2 and max(above[-1][1], above[-2][1]) >= 1.0
    if guideline == "ELN2009":  # confirmed on 2 occasions, unless with a loss of CHR or CCyR
        return len(above) >= CONFIRMATIONS_2009 or worse_loss
    return True  # ELN 2020 / 2025: a single result > 0.1%


def assess(visits: Sequence[Visit], tki_start: dt.date, guideline: str = "ELN2020",
           events: list[tuple[dt.date, str]] | None = None, genetics: Sequence[Finding] = ()) -> list[Assessment]:
    """ELN classification at each milestone and at the latest visit (assessments.py states the rules); milestones
    without a usable result are left out. ``events``: the visits' derive_events under ``guideline``, when already
    computed; ``genetics``: the patient's mutation and karyotype findings."""
    _check(guideline)
    items = classified(visits)
    if events is None:
        events = course_events(items, guideline, karyotype_dates(genetics, tki_start) if genetics else {})
    frame = pd.DataFrame({"patient_id": "", "date": [v.date for v in items], "chr": [v.chr for v in items],
                          "cyto": [v.cyto for v in items],
                          "ph_value": np.array([v.ph_value for v in items], dtype=float),
                          "bcr": np.array([v.bcr for v in items], dtype=float)})
    found = Cohort(frame, {"": tki_start}).assess(
        guideline, pd.DataFrame(events, columns=["date", "kind"]).assign(patient_id=""),
        {"": genetics} if genetics else None)

    def given(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    return [Assessment(a.milestone, a.date, a.months, a.category, given(a.bcr_abl1_is_pct), given(a.ph_pos_pct),
                       a.chr) for a in found.itertuples(index=False)]
