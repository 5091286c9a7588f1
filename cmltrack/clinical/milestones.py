"""ELN response milestones: optimal / warning / failure (ELN 2009 also 'suboptimal') at a time on TKI.

Sources (rows below name their table):
- ELN 2020: Hochhaus A et al., Leukemia 2020;34:966-984, table 4 (BCR::ABL1 IS only).
- ELN 2013: Baccarani M et al., Blood 2013;122:872-884, table 5 (BCR::ABL1 IS and/or Ph+ metaphases).
- ELN 2009: Baccarani M et al., J Clin Oncol 2009;27:6041-6051, table 5 (imatinib 400 mg): failure, suboptimal
  response and warnings; a result meeting none of them is optimal. "No HR" at 3 months (failure) cannot be told
  from "less than CHR" (suboptimal) with a yes/no CHR, so no CHR at 3 months is classified suboptimal.
A result is classified against the latest milestone reached (3, 6, 12[, 18] months). After the last milestone a
result is held to both that milestone and the "any time" row, and the worse category wins: a response that was a
failure at 12 months stays one later. When several tests are given, the worst category wins ("and/or" in the
tables). Criteria that need more than one result
(confirmed failure at 3 months in ELN 2020, confirmed loss of MMR) or data not given here (mutations, additional
chromosome abnormalities) are applied by the response timeline, not here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cmltrack.clinical.validate import flag, number

GUIDELINES: tuple[str, ...] = ("ELN2020", "ELN2013", "ELN2009")
OPTIMAL, WARNING, SUBOPTIMAL, FAILURE = "optimal", "warning", "suboptimal", "failure"
_SEVERITY = {OPTIMAL: 0, WARNING: 1, SUBOPTIMAL: 2, FAILURE: 3}  # ELN 2009: a warning is milder than suboptimal
ANY_TIME = math.inf

#: A band: (upper bound, bound inclusive, category); a value above every band takes the row's ``above`` category.
Band = tuple[float, bool, str]


@dataclass(frozen=True)
class Row:
    """Criteria of one milestone of one guideline."""

    bcr: tuple[Band, ...] = ()
    bcr_above: str | None = None
    ph: tuple[Band, ...] = ()
    ph_above: str | None = None
    no_chr: str | None = None  # category when CHR is absent


_ELN2020_12 = Row(bcr=((0.1, True, OPTIMAL), (1.0, True, WARNING)), bcr_above=FAILURE)
RULES: dict[str, dict[float, Row]] = {
    "ELN2020": {
        3: Row(bcr=((10.0, True, OPTIMAL),), bcr_above=WARNING),  # failure only if > 10% is confirmed in 1-3 mo
        6: Row(bcr=((1.0, True, OPTIMAL), (10.0, True, WARNING)), bcr_above=FAILURE),
        12: _ELN2020_12,
        ANY_TIME: _ELN2020_12,
    },
    "ELN2013": {
        3: Row(bcr=((10.0, True, OPTIMAL),), bcr_above=WARNING,
               ph=((35.0, True, OPTIMAL), (95.0, True, WARNING)), ph_above=FAILURE, no_chr=FAILURE),
        6: Row(bcr=((1.0, False, OPTIMAL), (10.0, True, WARNING)), bcr_above=FAILURE,
               ph=((0.0, True, OPTIMAL), (35.0, True, WARNING)), ph_above=FAILURE, no_chr=FAILURE),
        12: Row(bcr=((0.1, True, OPTIMAL), (1.0, True, WARNING)), bcr_above=FAILURE,
                ph=((0.0, True, OPTIMAL),), ph_above=FAILURE, no_chr=FAILURE),
        # then, and at any time: > 0.1% is a warning; loss of CCyR (any Ph+) or of CHR is failure
        ANY_TIME: Row(bcr=((0.1, True, OPTIMAL),), bcr_above=WARNING, ph=((0.0, True, OPTIMAL),),
                      ph_above=FAILURE, no_chr=FAILURE),
    },
    "ELN2009": {
        3: Row(no_chr=SUBOPTIMAL),  # less than CHR
        # less than CHR or no CyR (Ph+ > 95%): failure; less than PCyR (Ph+ > 35%): suboptimal
        6: Row(ph=((35.0, True, OPTIMAL), (95.0, True, SUBOPTIMAL)), ph_above=FAILURE, no_chr=FAILURE),
        # less than PCyR: failure; less than CCyR: suboptimal; less than MMR: warning
        12: Row(bcr=((0.1, True, OPTIMAL),), bcr_above=WARNING, ph=((0.0, True, OPTIMAL), (35.0, True, SUBOPTIMAL)),
                ph_above=FAILURE, no_chr=FAILURE),
        # less than CCyR: failure; less than MMR: suboptimal
        18: Row(bcr=((0.1, True, OPTIMAL),), bcr_above=SUBOPTIMAL, ph=((0.0, True, OPTIMAL),), ph_above=FAILURE,
                no_chr=FAILURE),
        # loss of CHR or CCyR: failure; loss of MMR: suboptimal
        ANY_TIME: Row(bcr=((0.1, True, OPTIMAL),), bcr_above=SUBOPTIMAL, ph=((0.0, True, OPTIMAL),),
                      ph_above=FAILURE, no_chr=FAILURE),
    },
}


def _number(name: str, value: float, upper: float | None) -> float:
    return number(name, value, upper=upper)


def _band(value: float, bands: tuple[Band, ...], above: str | None) -> str | None:
    for upper, inclusive, category in bands:
        if value < upper or (inclusive and value == upper):
            return category
    return above


def milestone(months: float, guideline: str = "ELN2020") -> float:
    """The milestone (3, 6, 12, 18 months, or ANY_TIME) whose criteria apply at ``months`` on TKI."""
    if guideline not in RULES:
        raise ValueError(f"guideline must be one of {list(GUIDELINES)}, got {guideline!r}")
    months = _number("months", months, None)
    reached = [m for m in RULES[guideline] if m <= months]
    if not reached:
        raise ValueError(f"months: no {guideline} milestone before 3 months, got {months}")
    timed = [m for m in RULES[guideline] if m != ANY_TIME]
    return ANY_TIME if months > max(timed) else max(reached)


def classify(months: float, bcr_abl1_is_pct: float | None = None, ph_pos_pct: float | None = None,
             chr: bool | None = None, guideline: str = "ELN2020") -> str:
    """'optimal' | 'warning' | 'failure' (ELN 2009 also 'suboptimal') at ``months`` on TKI."""
    reached = milestone(months, guideline)
    rows = [RULES[guideline][reached]]
    if reached == ANY_TIME:
        rows.insert(0, RULES[guideline][max(m for m in RULES[guideline] if m != ANY_TIME)])
    bcr = None if bcr_abl1_is_pct is None else _number("bcr_abl1_is_pct", bcr_abl1_is_pct, None)
    ph = None if ph_pos_pct is None else _number("ph_pos_pct", ph_pos_pct, 100.0)
    has_chr = None if chr is None else flag("chr", chr)
    found: list[str] = []
    for row in rows:
        if bcr is not None and row.bcr_above is not None:
            found.append(_band(bcr, row.bcr, row.bcr_above))
        if ph is not None and row.ph_above is not None:
            found.append(_band(ph, row.ph, row.ph_above))
        if has_chr is not None and row.no_chr is not None:
            found.append(OPTIMAL if has_chr else row.no_chr)
    if not found:
        tests = [name for name, present in (("bcr_abl1_is_pct", rows[-1].bcr_above), ("ph_pos_pct",
                 rows[-1].ph_above), ("chr", rows[-1].no_chr)) if present]
        raise ValueError(f"{guideline} at {months} months needs one of: {', '.join(tests)}")
    return max(found, key=_SEVERITY.__getitem__)
