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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cmltrack.clinical import milestones
from cmltrack.clinical.genetics import Finding, status
from cmltrack.clinical.phase import PHASES
from cmltrack.clinical.units import MONTH_DAYS
from cmltrack.clinical.visits import Visit, VisitClass, classify_visit, count_phase

_DEPTHS = ("MMR", "MR4", "MR4.5", "MR5")
_LEVEL = {name: i for i, name in enumerate(_DEPTHS)}
_RANK = {name: i for i, name in enumerate(PHASES)}
#: A visit this far before / after a milestone (months) may stand for it (one home: milestones).
WINDOW_BEFORE, WINDOW_AFTER = milestones.WINDOW_BEFORE, milestones.WINDOW_AFTER
#: How old (months) the latest result of each test may be for the latest classification.
LATEST_MAX_AGE = {"bcr": 6.0, "ph": 12.0, "chr": 3.0}
#: A BCR::ABL1 at or below this (%), newer than a marrow, supersedes the marrow for the latest classification
#: (ELN 2020: CCyR corresponds to BCR::ABL1 <= 1%).
SUPERSEDES_MARROW_AT = 1.0
#: ELN 2020 (and 2025) at 3 months: > 10% is failure when a second result > 10% follows within 1-3 months (table 4).
CONFIRM_ABOVE, CONFIRM_WITHIN = 10.0, (1.0, 3.0)
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


def _months(start: dt.date, date: dt.date) -> float:
    return (date - start).days / MONTH_DAYS


def assess(visits: Sequence[Visit], tki_start: dt.date, guideline: str = "ELN2020",
           events: list[tuple[dt.date, str]] | None = None, genetics: Sequence[Finding] = ()) -> list[Assessment]:
    """ELN classification at each milestone and at the latest visit; milestones without a usable result are
    left out. ``events``: the visits' derive_events under ``guideline``, when already computed; ``genetics``: the
    patient's mutation and karyotype findings."""
    _check(guideline)
    items = classified(visits)
    if events is None:
        events = course_events(items, guideline, karyotype_dates(genetics, tki_start) if genetics else {})
    return Course(items, tki_start).assess(guideline, events, genetics)


#: Which result each test reads from a classified visit (None: the visit has no such result).
_RESULT: dict[str, Callable[[VisitClass], object]] = {
    "bcr": lambda v: v.bcr, "ph": lambda v: v.cyto, "chr": lambda v: v.chr,
}
_Picked = dict[str, "VisitClass | None"]


class Course:
    """One patient's classified visits (in date order) on a TKI line started at ``start``: the results each
    milestone reads are picked once, whatever the guideline."""

    def __init__(self, items: Sequence[VisitClass], start: dt.date) -> None:
        self.items, self.start = items, start
        origin = start.toordinal()
        self.days = [v.date.toordinal() - origin for v in items]  # days since start (exact, as date differences)
        self._tested = {test: [(d, v) for d, v in zip(self.days, items) if get(v) is not None]
                        for test, get in _RESULT.items()}
        self._nearest: dict[float, _Picked] = {}
        self._latest_picked: tuple[_Picked, float] | None = None
        self._latest_done = False

    def nearest(self, m: float) -> _Picked:
        """For each test, the visit with a result nearest to month ``m`` inside the milestone window."""
        if m not in self._nearest:
            picked: _Picked = {}
            for test, tested in self._tested.items():
                best, gap = None, None
                for d, v in tested:
                    off = d / MONTH_DAYS - m
                    if -WINDOW_BEFORE <= off <= WINDOW_AFTER and (gap is None or abs(off) < gap):
                        best, gap = v, abs(off)  # the earlier visit on a tie
                picked[test] = best
            self._nearest[m] = picked
        return self._nearest[m]

    def latest(self) -> tuple[_Picked, float] | None:
        """The newest result of each test no older than LATEST_MAX_AGE before the last result, and when that is
        (months on TKI); None without any result."""
        if not self._latest_done:
            self._latest_picked, self._latest_done = self._latest(), True
        return self._latest_picked

    def _latest(self) -> tuple[_Picked, float] | None:
        newest = [d for d, v in zip(self.days, self.items) if v.bcr is not None or v.cyto or v.chr is not None]
        if not newest:
            return None
        last = newest[-1]
        picked: _Picked = {}
        for test, tested in self._tested.items():
            found = [v for d, v in tested if 0 <= (last - d) / MONTH_DAYS <= LATEST_MAX_AGE[test]]
            picked[test] = found[-1] if found else None
        bcr_visit = picked["bcr"]
        if picked["ph"] is not None and bcr_visit is not None and bcr_visit.date > picked["ph"].date \
                and bcr_visit.bcr <= SUPERSEDES_MARROW_AT:
            picked["ph"] = None  # a later BCR::ABL1 <= 1% supersedes an older marrow
        return picked, last / MONTH_DAYS

    def assess(self, guideline: str, events: list[tuple[dt.date, str]],
               genetics: Sequence[Finding] = ()) -> list[Assessment]:
        """`assess` under ``guideline``, from this course's derived ``events`` and genetic findings."""
        timed = milestones.timed_milestones(guideline)
        history = _History(self, guideline, events, genetics)
        out: list[Assessment] = []
        for m in timed:
            found = history.classify(str(int(m)), self.nearest(m), m)
            if found is not None:
                out.append(found)
        latest = self.latest()
        if latest is not None and latest[1] >= timed[0] - WINDOW_BEFORE:  # the same windows as the milestone rows
            found = history.classify("latest", *latest)
            if found is not None:
                out.append(found)
        return out


#: Losses that stay in force until the response is reached again: loss -> (the family's events, guideline ->
#: category while the loss stands). ELN 2013 table 5: confirmed loss of MMR is failure; ELN 2009 table 5: loss of
#: CHR or CCyR failure, loss of MMR suboptimal (each confirmed on 2 occasions by derive_events).
STANDING_LOSSES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "LOSS_MMR": (("LOSS_MMR", *_DEPTHS), {"ELN2013": milestones.FAILURE, "ELN2009": milestones.SUBOPTIMAL}),
    "LOSS_CCYR": (("LOSS_CCYR", "CCYR"), {"ELN2009": milestones.FAILURE}),
    "LOSS_CHR": (("LOSS_CHR", "CHR"), {"ELN2009": milestones.FAILURE}),
}
#: The response whose absence by the last milestone keeps that milestone's criterion for each test.
TARGET = {"bcr": "MMR", "ph": "CCYR", "chr": "CHR"}


@dataclass
class _History:
    """What one patient's history adds to the table row of one guideline."""

    course: Course
    guideline: str
    events: list[tuple[dt.date, str]]
    genetics: Sequence[Finding]

    def classify(self, name: str, picked: _Picked, at: float) -> Assessment | None:
        """The assessment named ``name`` at ``at`` months from the results picked for each test (None: no test)."""
        start = self.course.start
        bcr = None if picked["bcr"] is None else picked["bcr"].bcr
        ph = None if picked["ph"] is None else picked["ph"].ph_value
        chr_now = None if picked["chr"] is None else picked["chr"].chr
        try:
            row = milestones.milestone(at, self.guideline)
        except ValueError:
            return None  # no milestone row so long after the start
        # the visits' results were checked as they were classified (visits.py), as milestones.classify checks them
        found = milestones.row_categories(self.guideline, row, bcr, ph, chr_now)
        if not found:
            return None  # none of this milestone's tests was done near it
        used = [v.date for v in picked.values() if v is not None]
        date = max(used) if name == "latest" else min(used, key=lambda d: abs(_months(start, d) - at))
        if self.guideline in ("ELN2020", "ELN2025") and row == 3 and bcr is not None and bcr > CONFIRM_ABOVE:
            sampled, (low, high) = picked["bcr"].date, CONFIRM_WITHIN
            later = [w.bcr for w in self.course.items if low <= _months(sampled, w.date) <= high + 1e-9]
            if any(r is not None and r > CONFIRM_ABOVE for r in later):
                found.append(milestones.FAILURE)  # > 10% confirmed within 1-3 months (ELN 2020, table 4)
        if row == milestones.ANY_TIME:
            found += self._not_reached(date, {"bcr": bcr, "ph": ph, "chr": chr_now})
        found += self._standing_losses(date)
        if self.genetics:
            found += milestones.genetic_categories(self.guideline, *_fields(status(self.genetics, date, start)))
        category = milestones.worst(found)
        return Assessment(name, date, round(_months(start, date), 2), category, bcr, ph, chr_now)

    def _not_reached(self, date: dt.date, values: dict[str, object]) -> list[str]:
        """A test whose response was never reached keeps the last milestone's criterion (a failure at 12 months
        is not undone by waiting)."""
        reached = {k for d, k in self.events if d <= date}
        last = milestones.timed_milestones(self.guideline)[-1]
        out = []
        for test, value in values.items():
            if value is None or TARGET[test] in reached:
                continue
            alone = {"bcr": None, "ph": None, "chr": None, test: value}
            # an empty list: the last milestone's row has no criterion for this test
            out += milestones.row_categories(self.guideline, last, alone["bcr"], alone["ph"], alone["chr"])
        return out

    def _standing_losses(self, date: dt.date) -> list[str]:
        out = []
        for loss, (family, categories) in STANDING_LOSSES.items():
            if self.guideline not in categories:
                continue
            seen = [k for d, k in self.events if d <= date and k in family]
            if seen and seen[-1] == loss:
                out.append(categories[self.guideline])
        return out


def _fields(found: object) -> tuple:
    return (found.mutations, found.aca_high_risk, found.aca_other, found.aca_ph_negative)
