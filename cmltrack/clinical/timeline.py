"""One patient's response timeline derived from their visits, and their ELN classification at each milestone.

Rules (responses.py, phase.py, milestones.py hold the definitions):
- CHR: first visit meeting every criterion; loss of CHR: any criterion failing afterwards (ELN 2013, table 2),
  under ELN 2009 confirmed on 2 occasions (table 5; dated at the first). Immature granulocytes or blasts in the
  blood mean no CHR (blasts alone where no differential count is stored).
- PCyR / CCyR: first marrow in that category (>= 20 metaphases); loss of CCyR: any Ph+ metaphase after CCyR.
- MMR and deeper: first BCR::ABL1 result at that depth (Cross 2015). Loss of MMR: ELN 2013 needs two consecutive
  results > 0.1%, one of them >= 1% (dated at the first); ELN 2020 and ELN 2009 count a single result > 0.1%.
- Progression: a visit whose ELN phase is worse than the previous visit's (platelets not used on therapy).
- ELN 2020 failure at 3 months: > 10% confirmed by a second result > 10% within the next 1-3 months.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cmltrack.clinical import milestones
from cmltrack.clinical.phase import PHASES, phase
from cmltrack.clinical.responses import cytogenetic, hematologic, molecular
from cmltrack.units import MONTH_DAYS

Visit = Mapping[str, object]  # one labs row: date, wbc, platelets, basophils_pct, ...
_DEPTHS = ("MMR", "MR4", "MR4.5", "MR5")
#: How far from a milestone a visit may lie and still be assessed for it (months).
MILESTONE_WINDOW = 1.5


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


def _num(v: object) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _chr(v: Visit) -> bool | None:
    wbc, plt, baso, spleen = (_num(v.get(k)) for k in ("wbc", "platelets", "basophils_pct", "spleen_cm"))
    if None in (wbc, plt, baso, spleen):
        return None
    immature = (_num(v.get("immature_granulocytes_pct")) or 0) > 0 or (_num(v.get("blasts_pct")) or 0) > 0
    return hematologic(wbc, plt, baso, immature, spleen)


def _cyto(v: Visit) -> str | None:
    ph = _num(v.get("ph_pos_pct"))
    if ph is None:
        return None
    metaphases = _num(v.get("metaphases"))
    category = cytogenetic(ph, None if metaphases is None else int(metaphases))
    return None if category == "not evaluable" else category


def _mol(v: Visit) -> tuple[float, str | None] | None:
    """(BCR::ABL1 %, depth) of a visit; None when no evaluable result."""
    bcr = _num(v.get("bcr_abl1_is_pct"))
    if bcr is None:
        return None
    copies = _num(v.get("abl1_copies"))
    if bcr == 0 and (copies is None or copies < 10_000):
        return None  # undetectable in an inadequate sample: not evaluable
    return bcr, molecular(bcr, None if copies is None else int(copies))


def visit_phase(v: Visit) -> str | None:
    """ELN phase of a visit on therapy: blasts, blasts + promyelocytes, basophils (not platelets)."""
    blasts, baso, pro = (_num(v.get(k)) for k in ("blasts_pct", "basophils_pct", "promyelocytes_pct"))
    if None in (blasts, baso):
        return None
    return phase(blasts, baso, None, None if pro is None else min(blasts + pro, 100.0))


def derive_events(visits: Sequence[Visit], guideline: str = "ELN2020") -> list[tuple[dt.date, str]]:
    """Responses, losses and progression as (date, kind), from visits in date order."""
    if guideline not in milestones.GUIDELINES:
        raise ValueError(f"guideline must be one of {list(milestones.GUIDELINES)}, got {guideline!r}")
    events: list[tuple[dt.date, str]] = []
    in_chr, cyto, depth, last_phase = False, "none", -1, None
    run: list[tuple[dt.date, float]] = []  # consecutive results > 0.1% since MMR
    non_chr: list[dt.date] = []  # consecutive counts without CHR since CHR
    confirmations = 2 if guideline == "ELN2009" else 1
    for v in visits:
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

        cat = _cyto(v)
        if cat == "CCyR" and cyto != "CCyR":
            events.append((date, "CCYR"))
        elif cat is not None and cat != "CCyR" and cyto == "CCyR":
            events.append((date, "LOSS_CCYR"))
        elif cat == "PCyR" and cyto == "none":
            events.append((date, "PCYR"))
        if cat is not None:
            cyto = cat if cat in ("CCyR", "PCyR") else "none"

        mol = _mol(v)
        if mol is None:
            continue
        bcr, reached = mol
        if reached is not None:
            run = []
            level = _DEPTHS.index(reached)
            if depth < 0:
                events.append((date, "MMR"))
            if level > max(depth, 0):
                events.append((date, reached))
            depth = max(depth, level)
        elif depth >= 0:
            run.append((date, bcr))
            single = guideline in ("ELN2020", "ELN2009")
            if single or (len(run) >= 2 and max(b for _, b in run) >= 1.0):
                events.append((run[0][0], "LOSS_MMR"))
                depth, run = -1, []
    return sorted(events, key=lambda e: e[0])


def _months(start: dt.date, date: dt.date) -> float:
    return (date - start).days / MONTH_DAYS


def _latest(visits: Sequence[Visit], key: Callable[[Visit], object], until: dt.date) -> Visit | None:
    found = [v for v in visits if v["date"] <= until and key(v) is not None]
    return found[-1] if found else None


def assess(visits: Sequence[Visit], tki_start: dt.date, guideline: str = "ELN2020") -> list[Assessment]:
    """ELN classification at each milestone visit (nearest visit within 1.5 months) and at the latest visit."""
    if guideline not in milestones.RULES:
        raise ValueError(f"guideline must be one of {list(milestones.GUIDELINES)}, got {guideline!r}")
    rows = milestones.RULES[guideline]
    out: list[Assessment] = []
    timed = [m for m in rows if m != milestones.ANY_TIME]
    tested = [v for v in visits if _mol(v) or _cyto(v) or _chr(v) is not None]
    for m in timed:
        near = [v for v in tested if abs(_months(tki_start, v["date"]) - m) <= MILESTONE_WINDOW]
        if not near:
            continue
        v = min(near, key=lambda x: abs(_months(tki_start, x["date"]) - m))
        out.append(_classify(str(int(m)), v, _months(tki_start, v["date"]), m, guideline, visits))
    if tested:
        last = tested[-1]
        months = _months(tki_start, last["date"])
        if months >= min(timed):
            # the latest result of each test up to the latest visit (a marrow is not repeated after CCyR)
            merged = {"date": last["date"]}
            for getter, keys in ((_mol, ("bcr_abl1_is_pct", "abl1_copies")), (_cyto, ("ph_pos_pct", "metaphases")),
                                 (_chr, ("wbc", "platelets", "basophils_pct", "spleen_cm", "blasts_pct",
                                          "immature_granulocytes_pct"))):
                source = _latest(tested, getter, last["date"])
                if source is not None:
                    merged.update({k: source.get(k) for k in keys})
            out.append(_classify("latest", merged, months, months, guideline, visits))
    return out


def _classify(name: str, v: Visit, months: float, at: float, guideline: str,
              visits: Sequence[Visit]) -> Assessment:
    mol, cat, chr_now = _mol(v), _cyto(v), _chr(v)
    bcr = None if mol is None else mol[0]
    ph = _num(v.get("ph_pos_pct")) if cat is not None else None
    category = milestones.classify(max(at, 3.0), bcr, ph, chr_now, guideline)
    if guideline == "ELN2020" and name == "3" and bcr is not None and bcr > 10:
        later = [_mol(w) for w in visits
                 if 1.0 <= _months(v["date"], w["date"]) <= 3.0 + 1e-9 and _mol(w) is not None]
        if any(b > 10 for b, _ in later):
            category = milestones.FAILURE  # > 10% confirmed within 1-3 months (ELN 2020, table 4)
    return Assessment(name, v["date"], round(months, 2), category, bcr, ph, chr_now)
