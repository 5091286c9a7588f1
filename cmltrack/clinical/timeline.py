"""One patient's response timeline derived from their visits, and their ELN classification at each milestone.

Rules (responses.py, phase.py, milestones.py hold the definitions):
- CHR: first visit meeting every criterion; loss of CHR: any criterion failing afterwards (ELN 2013, table 2),
  under ELN 2009 confirmed on 2 occasions (table 5; dated at the first). A count without a differential (immature
  granulocytes) cannot show CHR and is skipped.
- PCyR / CCyR: first marrow in that category with >= 20 metaphases; loss of CCyR: any Ph+ metaphase after CCyR,
  however few metaphases were counted (ELN 2013, table 2).
- MMR and deeper: first BCR::ABL1 result at that depth (Cross 2015). Loss of MMR: ELN 2013 needs two consecutive
  results > 0.1%, one of them >= 1% (dated at the first of that pair); ELN 2020 and ELN 2009 count a single
  result > 0.1%.
- Progression: a visit whose ELN phase is worse than the previous visit's (platelets not used on therapy). A
  patient back in chronic phase who worsens again progresses again.
- Milestones: for each test, the result nearest the milestone from 0.75 month before to 1.5 months after it.
  ELN 2020 failure at 3 months: > 10% confirmed by a second result > 10% within the next 1-3 months.
- Latest: the newest result of each test, no older than 6 months for BCR::ABL1 and 3 months for blood counts; a
  marrow older than 12 months, or older than a BCR::ABL1 <= 1% (ELN 2020: CCyR corresponds to <= 1%), is not used.
  Under ELN 2013 a confirmed loss of MMR not regained is failure.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cmltrack.clinical import milestones
from cmltrack.clinical.phase import PHASES, phase
from cmltrack.clinical.responses import cytogenetic, hematologic, molecular
from cmltrack.clinical.units import MONTH_DAYS

Visit = Mapping[str, object]  # one labs row: date, wbc, platelets, basophils_pct, ...
_DEPTHS = ("MMR", "MR4", "MR4.5", "MR5")
#: A visit this far before / after a milestone (months) may stand for it.
WINDOW_BEFORE, WINDOW_AFTER = 0.75, 1.5
#: How old (months) the latest result of each test may be for the latest classification.
LATEST_MAX_AGE = {"bcr": 6.0, "ph": 12.0, "chr": 3.0}


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
    """Cytogenetic response of an evaluable marrow (>= 20 metaphases counted); None otherwise."""
    marrow = _ph(v)
    if marrow is None or marrow[1] is None or marrow[1] < 20:
        return None
    return cytogenetic(*marrow)


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
def visit_phase(v: Visit) -> str | None:
    """ELN phase of a visit on therapy: blasts, blasts + promyelocytes, basophils (not platelets)."""
    blasts, baso, pro = (_num(v.get(k)) for k in ("blasts_pct", "basophils_pct", "promyelocytes_pct"))
    if None in (blasts, baso):
        return None
    return phase(blasts, baso, None, None if pro is None else min(blasts + pro, 100.0))


def _in_order(visits: Sequence[Visit]) -> list[Visit]:
    return sorted(visits, key=lambda v: v["date"])


def derive_events(visits: Sequence[Visit], guideline: str = "ELN2020") -> list[tuple[dt.date, str]]:
    """Responses, losses and progression as (date, kind)."""
    if guideline not in milestones.GUIDELINES:
        raise ValueError(f"guideline must be one of {list(milestones.GUIDELINES)}, got {guideline!r}")
    events: list[tuple[dt.date, str]] = []
    in_chr, cyto, depth, last_phase = False, "none", -1, None
    above: list[tuple[dt.date, float]] = []  # consecutive results > 0.1% since MMR
    non_chr: list[dt.date] = []  # consecutive counts without CHR since CHR
    confirmations = 2 if guideline == "ELN2009" else 1
    for v in prepare(visits):
        date = v["date"]
        chr_now = _chr(v)
        if chr_now is True:
            if not in_chr:
                events.append((date, "CHR"))
            in_chr, non_chr = True, []
        elif chr_now is False and in_chr:
            non_chr.append(date)
            if len(non_chr) >= confirmations:
                events.append((non_chr[0], "LOSS_CHR"))
                in_chr, non_chr = False, []

        now = visit_phase(v)
        if now is not None:
            if last_phase is not None and PHASES.index(now) > PHASES.index(last_phase):
                events.append((date, f"PROG_{now}"))
            last_phase = now

        marrow, cat = _ph(v), _cyto(v)
        if cyto == "CCyR" and marrow is not None and marrow[0] > 0:
            events.append((date, "LOSS_CCYR"))  # any Ph+ metaphase
            cyto = "PCyR" if cat == "PCyR" else "none"
        elif cat == "CCyR" and cyto != "CCyR":
            events.append((date, "CCYR"))
            cyto = "CCyR"
        elif cat == "PCyR" and cyto == "none":
            events.append((date, "PCYR"))
            cyto = "PCyR"
        elif cat in ("minor", "minimal", "none"):
            cyto = "none"

        mol = _mol(v)
        if mol is None:
            continue
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
            if guideline in ("ELN2020", "ELN2009"):
                events.append((date, "LOSS_MMR"))
                depth, above = -1, []
            elif len(above) >= 2 and max(above[-1][1], above[-2][1]) >= 1.0:
                events.append((above[-2][0], "LOSS_MMR"))  # the first of the confirming pair
                depth, above = -1, []
    return sorted(events, key=lambda e: e[0])


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
           events: list[tuple[dt.date, str]] | None = None) -> list[Assessment]:
    """ELN classification at each milestone and at the latest visit; milestones without a usable result are
    left out. ``events``: the visits' derive_events under ``guideline``, when already computed."""
    if guideline not in milestones.RULES:
        raise ValueError(f"guideline must be one of {list(milestones.GUIDELINES)}, got {guideline!r}")
    ordered = prepare(visits)
    events = derive_events(ordered, guideline) if events is None else events
    out: list[Assessment] = []
    for m in sorted(k for k in milestones.RULES[guideline] if k != milestones.ANY_TIME):
        picked = {"bcr": _nearest(ordered, _mol, tki_start, m), "ph": _nearest(ordered, _cyto, tki_start, m),
                  "chr": _nearest(ordered, _chr, tki_start, m)}
        found = _classify(str(int(m)), picked, tki_start, m, guideline, ordered, events)
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
        if months >= 3:
            found = _classify("latest", picked, tki_start, months, guideline, ordered, events)
            if found is not None:
                out.append(found)
    return out


def _classify(name: str, picked: dict[str, Visit | None], start: dt.date, at: float, guideline: str,
              visits: list[Visit], events: list[tuple[dt.date, str]]) -> Assessment | None:
    mol = _mol(picked["bcr"]) if picked["bcr"] is not None else None
    cat = _ph(picked["ph"]) if picked["ph"] is not None else None
    chr_now = _chr(picked["chr"]) if picked["chr"] is not None else None
    bcr, ph = (None if mol is None else mol[0]), (None if cat is None else cat[0])
    try:
        category = milestones.classify(at, bcr, ph, chr_now, guideline)
    except ValueError:
        return None  # none of this milestone's tests was done near it
    used = [v["date"] for v in picked.values() if v is not None]
    date = max(used) if name == "latest" else min(used, key=lambda d: abs(_months(start, d) - at))
    if guideline == "ELN2020" and name == "3" and bcr is not None and bcr > 10:
        later = [_mol(w) for w in visits if 1.0 <= _months(picked["bcr"]["date"], w["date"]) <= 3.0 + 1e-9]
        if any(r is not None and r[0] > 10 for r in later):
            category = milestones.FAILURE  # > 10% confirmed within 1-3 months (ELN 2020, table 4)
    if guideline == "ELN2013":
        molecular_events = [k for d, k in events if d <= date and k in ("LOSS_MMR", *_DEPTHS)]
        if molecular_events and molecular_events[-1] == "LOSS_MMR":
            category = milestones.FAILURE  # confirmed loss of MMR (ELN 2013, table 5)
    return Assessment(name, date, round(_months(start, date), 2), category, bcr, ph, chr_now)
