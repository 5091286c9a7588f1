"""REFERENCE COPY, for tests only: cmltrack/clinical/timeline.py as it was before issue 17 (commit 66850a9), the
per-patient derivation the vectorised one replaced. tests/unit/test_derivation_equivalence.py checks that the new
code derives exactly what this did. Never imported by cmltrack. When a clinical rule is changed on purpose, change
it here too (or retire the test).

One patient's response timeline derived from their visits, and their ELN classification at each milestone.

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
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cmltrack.clinical import milestones
from cmltrack.clinical.genetics import Finding, status
from cmltrack.clinical.phase import PHASES, phase
from cmltrack.clinical.responses import NOT_EVALUABLE, cytogenetic, hematologic, molecular
from cmltrack.clinical.units import MONTH_DAYS

Visit = Mapping[str, object]  # one labs row: date, wbc, platelets, basophils_pct, ...
_DEPTHS = ("MMR", "MR4", "MR4.5", "MR5")
#: A visit this far before / after a milestone (months) may stand for it (one home: milestones).
WINDOW_BEFORE, WINDOW_AFTER = milestones.WINDOW_BEFORE, milestones.WINDOW_AFTER
#: How old (months) the latest result of each test may be for the latest classification.
LATEST_MAX_AGE = {"bcr": 6.0, "ph": 12.0, "chr": 3.0}
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


#: Key of the per-visit memo a prepared visit carries (see `prepare`): each classification is computed once.
_MEMO = "_memo"


def prepare(visits: Sequence[Visit]) -> list[dict]:
    """The visits in date order, each a dict with an empty memo, so that the per-visit classifications below are
    computed once however many milestones and guidelines look at them."""
    return [v if isinstance(v, dict) and _MEMO in v else {**v, _MEMO: {}} for v in _in_order(visits)]


def _memoised(func: Callable[[Visit], object]) -> Callable[[Visit], object]:
    key = func.__name__

    def wrapper(v: Visit) -> object:
        memo = v.get(_MEMO)
        if memo is None:
            return func(v)
        if key not in memo:
            memo[key] = func(v)
        return memo[key]

    wrapper.__name__, wrapper.__doc__ = func.__name__, func.__doc__
    return wrapper


def _num(v: object) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


@_memoised
def _chr(v: Visit) -> bool | None:
    """CHR at this visit; None when the count is incomplete (differential included)."""
    values = [_num(v.get(k)) for k in ("wbc", "platelets", "basophils_pct", "spleen_cm",
                                        "immature_granulocytes_pct")]
    if None in values:
        return None
    wbc, plt, baso, spleen, immature = values
    return hematologic(wbc, plt, baso, immature > 0 or (_num(v.get("blasts_pct")) or 0) > 0, spleen)


@_memoised
def _ph(v: Visit) -> tuple[float, int | None] | None:
    """(Ph+ %, metaphases) of a marrow; None when there is none."""
    ph = _num(v.get("ph_pos_pct"))
    if ph is None:
        return None
    n = _num(v.get("metaphases"))
    return ph, None if n is None else int(n)


@_memoised
def _cyto(v: Visit) -> str | None:
    """Cytogenetic response of an evaluable marrow (>= 20 metaphases counted), else CCyR by FISH; None otherwise."""
    marrow = _ph(v)
    evaluable = marrow is not None and marrow[1] is not None and marrow[1] >= 20
    fish = _num(v.get("fish_pct"))
    if not evaluable and fish is None:
        return None
    nuclei = _num(v.get("fish_nuclei"))
    category = cytogenetic(marrow[0] if evaluable else None, marrow[1] if evaluable else None, fish,
                           None if nuclei is None else int(nuclei))
    return None if category == NOT_EVALUABLE else category


def _ph_value(v: Visit) -> float | None:
    """The Ph+ % a cytogenetic result stands for in the milestone tables (CCyR by FISH: 0)."""
    category = _cyto(v)
    if category is None:
        return None
    marrow = _ph(v)
    return marrow[0] if marrow is not None and marrow[1] is not None and marrow[1] >= 20 else 0.0


@_memoised
def _mol(v: Visit) -> tuple[float, str | None] | None:
    """(BCR::ABL1 %, depth) of a visit; None when no evaluable result."""
    bcr = _num(v.get("bcr_abl1_is_pct"))
    if bcr is None:
        return None
    copies = _num(v.get("abl1_copies"))
    if bcr == 0 and (copies is None or copies < 10_000):
        return None  # undetectable in an inadequate sample: not evaluable
    return bcr, molecular(bcr, None if copies is None else int(copies))


@_memoised
def _count_phase(v: Visit) -> str | None:
    """ELN phase shown by a visit's counts on therapy: blasts, blasts + promyelocytes, basophils (not platelets)."""
    blasts, baso, pro = (_num(v.get(k)) for k in ("blasts_pct", "basophils_pct", "promyelocytes_pct"))
    return phase(blasts, baso, None, None if blasts is None or pro is None else min(blasts + pro, 100.0))


def visit_phase(v: Visit, aca_ph_positive: bool = False) -> str | None:
    """ELN phase of a visit on therapy (None: the counts cannot tell); a high-risk ACA in Ph+ cells makes a
    chronic or unknown phase accelerated."""
    counted = _count_phase(v)
    return ("BP" if counted == "BP" else "AP") if aca_ph_positive else counted


def _in_order(visits: Sequence[Visit]) -> list[Visit]:
    return sorted(visits, key=lambda v: v["date"])


def _karyotype_dates(genetics: Sequence[Finding], since: dt.date | None) -> dict[dt.date, bool]:
    """Karyotype date -> whether it shows a high-risk ACA in Ph+ cells (karyotypes before ``since`` left out)."""
    out: dict[dt.date, bool] = {}
    for f in genetics:
        if f.test == "karyotype" and (since is None or f.date >= since):
            out[f.date] = out.get(f.date, False) or bool(status([f], f.date).aca_high_risk)
    return out


def derive_events(visits: Sequence[Visit], guideline: str = "ELN2020", genetics: Sequence[Finding] = (),
                  treatment_start: dt.date | None = None) -> list[tuple[dt.date, str]]:
    """Responses, losses and progression as (date, kind), in date order.

    ``genetics``: the patient's mutation and karyotype findings; a high-risk ACA in Ph+ cells dated on or after
    ``treatment_start`` (any date when None) is an accelerated-phase criterion.
    """
    if guideline not in milestones.GUIDELINES:
        raise ValueError(f"guideline must be one of {list(milestones.GUIDELINES)}, got {guideline!r}")
    confirm = guideline == "ELN2009"
    events: list[tuple[dt.date, str]] = []
    in_chr, cyto, depth, last_phase, aca = False, "none", -1, None, False
    above: list[tuple[dt.date, float]] = []  # consecutive results > 0.1% since MMR
    non_chr: list[dt.date] = []  # consecutive counts without CHR since CHR (ELN 2009: awaiting confirmation)
    ph_pending: tuple[dt.date, str] | None = None  # ELN 2009: first Ph+ marrow after CCyR, awaiting confirmation
    karyotypes = _karyotype_dates(genetics, treatment_start) if genetics else {}
    items = sorted([(d, 0, None) for d in karyotypes] + [(v["date"], 1, v) for v in prepare(visits)],
                   key=lambda item: item[:2])
    for date, _, v in items:
        progressed = lost_chr = lost_ccyr = False
        if v is None:  # a karyotype: ACA status changes; the phase moves with it
            aca = karyotypes[date]
            now = "AP" if aca and last_phase != "BP" else None
        else:
            now = visit_phase(v, aca)
        if now is not None:
            progressed = last_phase is not None and PHASES.index(now) > PHASES.index(last_phase)
            last_phase = now
        chr_now = None if v is None else _chr(v)
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

        marrow, cat = (None, None) if v is None else (_ph(v), _cyto(v))
        if cyto == "CCyR" and marrow is not None and marrow[0] > 0:  # any Ph+ metaphase
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

        mol = None if v is None else _mol(v)
        if mol is not None:
            bcr, reached = mol
            if reached is not None:
                above = []
                level = _DEPTHS.index(reached)
                if depth < 0:
                    events.append((date, "MMR"))
                if level > max(depth, 0):
                    events.append((date, reached))
                depth = max(depth, level)
            elif depth >= 0:
                above.append((date, bcr))
        if depth >= 0 and above and _mmr_lost(guideline, above, lost_chr or lost_ccyr):
            first = {"ELN2009": 0, "ELN2013": -2}.get(guideline, -1)  # the first test of the confirming run or pair
            events.append((above[first][0], "LOSS_MMR"))
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


def _nearest(visits: list[Visit], get: Callable[[Visit], object], start: dt.date, m: float) -> Visit | None:
    """The visit with a result of ``get`` nearest to month ``m`` inside the milestone window."""
    inside = [v for v in visits if get(v) is not None and -WINDOW_BEFORE <= _months(start, v["date"]) - m
              <= WINDOW_AFTER]
    return min(inside, key=lambda v: abs(_months(start, v["date"]) - m)) if inside else None


def _latest(visits: list[Visit], get: Callable[[Visit], object], until: dt.date, max_age: float) -> Visit | None:
    found = [v for v in visits if get(v) is not None and 0 <= _months(v["date"], until) <= max_age]
    return found[-1] if found else None


def assess(visits: Sequence[Visit], tki_start: dt.date, guideline: str = "ELN2020",
           events: list[tuple[dt.date, str]] | None = None, genetics: Sequence[Finding] = ()) -> list[Assessment]:
    """ELN classification at each milestone and at the latest visit; milestones without a usable result are
    left out. ``events``: the visits' derive_events under ``guideline``, when already computed; ``genetics``: the
    patient's mutation and karyotype findings."""
    timed = milestones.timed_milestones(guideline)
    ordered = prepare(visits)
    events = derive_events(ordered, guideline, genetics, tki_start) if events is None else events
    history = _History(tki_start, guideline, ordered, events, genetics)
    out: list[Assessment] = []
    for m in timed:
        picked = {"bcr": _nearest(ordered, _mol, tki_start, m), "ph": _nearest(ordered, _cyto, tki_start, m),
                  "chr": _nearest(ordered, _chr, tki_start, m)}
        found = history.classify(str(int(m)), picked, m)
        if found is not None:
            out.append(found)
    newest = [v for v in ordered if _mol(v) or _cyto(v) or _chr(v) is not None]
    if newest:
        last = newest[-1]["date"]
        picked = {"bcr": _latest(ordered, _mol, last, LATEST_MAX_AGE["bcr"]),
                  "ph": _latest(ordered, _cyto, last, LATEST_MAX_AGE["ph"]),
                  "chr": _latest(ordered, _chr, last, LATEST_MAX_AGE["chr"])}
        bcr_visit = picked["bcr"]
        if picked["ph"] is not None and bcr_visit is not None and bcr_visit["date"] > picked["ph"]["date"] \
                and _mol(bcr_visit)[0] <= 1.0:
            picked["ph"] = None  # a later BCR::ABL1 <= 1% supersedes an older marrow
        months = _months(tki_start, last)
        if months >= timed[0] - WINDOW_BEFORE:  # the same windows as the milestone rows
            found = history.classify("latest", picked, months)
            if found is not None:
                out.append(found)
    return out


#: Losses that stay in force until the response is reached again: loss -> (the family's events, guideline ->
#: category while the loss stands). ELN 2013 table 5: confirmed loss of MMR is failure; ELN 2009 table 5: loss of
#: CHR or CCyR failure, loss of MMR suboptimal (each confirmed on 2 occasions by derive_events).
_STANDING_LOSSES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "LOSS_MMR": (("LOSS_MMR", *_DEPTHS), {"ELN2013": milestones.FAILURE, "ELN2009": milestones.SUBOPTIMAL}),
    "LOSS_CCYR": (("LOSS_CCYR", "CCYR"), {"ELN2009": milestones.FAILURE}),
    "LOSS_CHR": (("LOSS_CHR", "CHR"), {"ELN2009": milestones.FAILURE}),
}
#: The response whose absence by the last milestone keeps that milestone's criterion for each test.
_TARGET = {"bcr": "MMR", "ph": "CCYR", "chr": "CHR"}


@dataclass
class _History:
    """What one patient's history adds to the table row of one guideline."""

    start: dt.date
    guideline: str
    visits: list[Visit]
    events: list[tuple[dt.date, str]]
    genetics: Sequence[Finding]

    def classify(self, name: str, picked: dict[str, Visit | None], at: float) -> Assessment | None:
        """The assessment named ``name`` at ``at`` months from the results picked for each test (None: no test)."""
        mol = _mol(picked["bcr"]) if picked["bcr"] is not None else None
        ph = _ph_value(picked["ph"]) if picked["ph"] is not None else None
        chr_now = _chr(picked["chr"]) if picked["chr"] is not None else None
        bcr = None if mol is None else mol[0]
        try:
            found = [milestones.classify(at, bcr, ph, chr_now, self.guideline)]
        except ValueError:
            return None  # none of this milestone's tests was done near it
        used = [v["date"] for v in picked.values() if v is not None]
        date = max(used) if name == "latest" else min(used, key=lambda d: abs(_months(self.start, d) - at))
        row = milestones.milestone(at, self.guideline)
        if self.guideline in ("ELN2020", "ELN2025") and row == 3 and bcr is not None and bcr > 10:
            later = [_mol(w) for w in self.visits
                     if 1.0 <= _months(picked["bcr"]["date"], w["date"]) <= 3.0 + 1e-9]
            if any(r is not None and r[0] > 10 for r in later):
                found.append(milestones.FAILURE)  # > 10% confirmed within 1-3 months (ELN 2020, table 4)
        if row == milestones.ANY_TIME:
            found += self._not_reached(date, {"bcr": bcr, "ph": ph, "chr": chr_now})
        found += self._standing_losses(date)
        if self.genetics:
            found += milestones.genetic_categories(self.guideline, *_fields(status(self.genetics, date, self.start)))
        category = milestones.worst(found)
        return Assessment(name, date, round(_months(self.start, date), 2), category, bcr, ph, chr_now)

    def _not_reached(self, date: dt.date, values: dict[str, object]) -> list[str]:
        """A test whose response was never reached keeps the last milestone's criterion (a failure at 12 months
        is not undone by waiting)."""
        reached = {k for d, k in self.events if d <= date}
        last = milestones.timed_milestones(self.guideline)[-1]
        out = []
        for test, value in values.items():
            if value is None or _TARGET[test] in reached:
                continue
            try:
                out.append(milestones.classify(last, **{_ARGUMENT[test]: value, "guideline": self.guideline}))
            except ValueError:
                continue  # the last milestone's row has no criterion for this test
        return out

    def _standing_losses(self, date: dt.date) -> list[str]:
        out = []
        for loss, (family, categories) in _STANDING_LOSSES.items():
            if self.guideline not in categories:
                continue
            seen = [k for d, k in self.events if d <= date and k in family]
            if seen and seen[-1] == loss:
                out.append(categories[self.guideline])
        return out


_ARGUMENT = {"bcr": "bcr_abl1_is_pct", "ph": "ph_pos_pct", "chr": "chr"}


def _fields(found: object) -> tuple:
    return (found.mutations, found.aca_high_risk, found.aca_other, found.aca_ph_negative)
