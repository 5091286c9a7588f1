"""ELN response milestones: optimal / warning / failure (ELN 2009 also 'suboptimal') at a time on TKI.

Sources (rows below name their table):
- ELN 2025: Apperley JF et al., Leukemia 2025;39:1797-1813. The text of its milestone table could not be read
  here (only the abstract): its rows are ELN 2020's, marked UNVERIFIED, and the app says so (README: open items).
- ELN 2020: Hochhaus A et al., Leukemia 2020;34:966-984, table 4 (BCR::ABL1 IS only). Patients monitored by marrow
  cytogenetics only are classified through the paper's equivalence CCyR ~ BCR::ABL1 <= 1%, PCyR ~ <= 10%
  (`bcr_equivalent`).
- ELN 2013: Baccarani M et al., Blood 2013;122:872-884, table 5 (BCR::ABL1 IS and/or Ph+ metaphases).
- ELN 2009: Baccarani M et al., J Clin Oncol 2009;27:6041-6051, table 5 (imatinib 400 mg): failure, suboptimal
  response and warnings; a result meeting none of them is optimal. "No HR" at 3 months (failure) cannot be told
  from "less than CHR" (suboptimal) with a yes/no CHR, so no CHR at 3 months is classified suboptimal.

Milestone windows: a result from WINDOW_BEFORE months before a milestone to WINDOW_AFTER months after it is that
milestone's result (a visit on day 365 is the 12-month visit); later than WINDOW_AFTER after the last milestone,
the guideline's "any time" row alone governs. What that row cannot say from one result (a confirmed loss, a
response never reached by the last milestone, mutations, ACA) is applied by the response timeline (timeline.py).
When several tests are given, the worst category wins ("and/or" in the tables).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cmltrack.clinical.validate import flag, number

GUIDELINES: tuple[str, ...] = ("ELN2020", "ELN2025", "ELN2013", "ELN2009")
#: Guideline -> its paper (help texts name it: cmltrack.clinical.explain).
CITATIONS: dict[str, str] = {
    "ELN2025": "Apperley JF et al., Leukemia 2025;39:1797-1813",
    "ELN2020": "Hochhaus A et al., Leukemia 2020;34:966-984",
    "ELN2013": "Baccarani M et al., Blood 2013;122:872-884",
    "ELN2009": "Baccarani M et al., J Clin Oncol 2009;27:6041-6051",
}
#: Guideline -> why its rows could not be checked against the paper (shown beside its results in the app).
UNVERIFIED: dict[str, str] = {
    "ELN2025": "the milestone table of Apperley et al. 2025 could not be read here: ELN 2020's thresholds are "
               "applied until it is checked",
}
#: Guidelines whose rules are, for now, another's to the letter (ELN 2025 while UNVERIFIED): derived once, labelled
#: twice. Remove an entry as soon as the guideline's own rows differ.
SAME_RULES_AS: dict[str, str] = {"ELN2025": "ELN2020"}
OPTIMAL, WARNING, SUBOPTIMAL, FAILURE = "optimal", "warning", "suboptimal", "failure"
_SEVERITY = {OPTIMAL: 0, WARNING: 1, SUBOPTIMAL: 2, FAILURE: 3}  # ELN 2009: a warning is milder than suboptimal
ANY_TIME = math.inf
#: A result this many months before / after a milestone is that milestone's result.
WINDOW_BEFORE, WINDOW_AFTER = 0.75, 1.5

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


# ELN 2020 table 4: any time = optimal <= 0.1%, warning > 0.1-1% or loss of MMR, failure > 1%
_ELN2020_12 = Row(bcr=((0.1, True, OPTIMAL), (1.0, True, WARNING)), bcr_above=FAILURE)
_ELN2020 = {
    3: Row(bcr=((10.0, True, OPTIMAL),), bcr_above=WARNING),  # failure only if > 10% is confirmed in 1-3 mo
    6: Row(bcr=((1.0, True, OPTIMAL), (10.0, True, WARNING)), bcr_above=FAILURE),
    12: _ELN2020_12,
    ANY_TIME: _ELN2020_12,
}
RULES: dict[str, dict[float, Row]] = {
    "ELN2020": _ELN2020,
    "ELN2025": dict(_ELN2020),  # UNVERIFIED: see UNVERIFIED["ELN2025"]
    "ELN2013": {
        3: Row(bcr=((10.0, True, OPTIMAL),), bcr_above=WARNING,
               ph=((35.0, True, OPTIMAL), (95.0, True, WARNING)), ph_above=FAILURE, no_chr=FAILURE),
        6: Row(bcr=((1.0, False, OPTIMAL), (10.0, True, WARNING)), bcr_above=FAILURE,
               ph=((0.0, True, OPTIMAL), (35.0, True, WARNING)), ph_above=FAILURE, no_chr=FAILURE),
        12: Row(bcr=((0.1, True, OPTIMAL), (1.0, True, WARNING)), bcr_above=FAILURE,
                ph=((0.0, True, OPTIMAL),), ph_above=FAILURE, no_chr=FAILURE),
        # "then, and at any time": optimal <= 0.1%; failure = loss of CHR, loss of CCyR (any Ph+ metaphase),
        # confirmed loss of MMR (footnote: 2 consecutive tests, one >= 1%; applied by the timeline), so a single
        # result > 0.1% is not optimal: a warning
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
        # any time: losses of CHR, CCyR and MMR count only when confirmed on 2 occasions (applied by the timeline);
        # a single rise of BCR::ABL1 above MMR is a warning ("any rise in transcript level"). A single Ph+ marrow
        # or count without CHR, not yet confirmed, is read the same way: a warning (cmltrack's reading; the table
        # names no category for an unconfirmed loss).
        ANY_TIME: Row(bcr=((0.1, True, OPTIMAL),), bcr_above=WARNING, ph=((0.0, True, OPTIMAL),), ph_above=WARNING,
                      no_chr=WARNING),
    },
}


def _number(name: str, value: float, upper: float | None) -> float:
    return number(name, value, upper=upper)


def _band(value: float, bands: tuple[Band, ...], above: str | None) -> str | None:
    for upper, inclusive, category in bands:
        if value < upper or (inclusive and value == upper):
            return category
    return above


def _check_guideline(guideline: str) -> None:
    if guideline not in RULES:
        raise ValueError(f"guideline must be one of {list(GUIDELINES)}, got {guideline!r}")


_TIMED: dict[str, tuple[float, ...]] = {g: tuple(sorted(m for m in rows if m != ANY_TIME)) for g, rows in RULES.items()}


def timed_milestones(guideline: str) -> list[float]:
    """The guideline's milestones in months (3, 6, 12[, 18])."""
    _check_guideline(guideline)
    return list(_TIMED[guideline])


def milestone(months: float, guideline: str = "ELN2020") -> float:
    """The milestone (3, 6, 12, 18 months, or ANY_TIME) whose criteria apply at ``months`` on TKI: the latest one
    whose window (from WINDOW_BEFORE months before it) has opened; ANY_TIME once the last one's window has closed."""
    timed = timed_milestones(guideline)
    months = _number("months", months, None)
    if months < timed[0] - WINDOW_BEFORE:
        raise ValueError(f"months: no {guideline} milestone before {timed[0] - WINDOW_BEFORE:g} months, got {months}")
    if months > timed[-1] + WINDOW_AFTER:
        return ANY_TIME
    return max(m for m in timed if months >= m - WINDOW_BEFORE)


def bcr_equivalent(ph_pos_pct: float) -> float:
    """The BCR::ABL1 IS level a marrow stands for under ELN 2020 (Hochhaus 2020, cytogenetic monitoring: CCyR
    corresponds to BCR::ABL1 <= 1%, PCyR to <= 10%): 1.0, 10.0, or infinity (less than PCyR: above 10%)."""
    ph = _number("ph_pos_pct", ph_pos_pct, 100.0)
    return 1.0 if ph == 0 else 10.0 if ph <= 35 else math.inf


def classify(months: float, bcr_abl1_is_pct: float | None = None, ph_pos_pct: float | None = None,
             chr: bool | None = None, guideline: str = "ELN2020") -> str:
    """'optimal' | 'warning' | 'failure' (ELN 2009 also 'suboptimal') at ``months`` on TKI.

    Under a guideline defined on BCR::ABL1 only (ELN 2020, 2025), a marrow without a BCR::ABL1 result is classified
    through `bcr_equivalent`."""
    reached = milestone(months, guideline)
    row = RULES[guideline][reached]
    bcr = None if bcr_abl1_is_pct is None else _number("bcr_abl1_is_pct", bcr_abl1_is_pct, None)
    ph = None if ph_pos_pct is None else _number("ph_pos_pct", ph_pos_pct, 100.0)
    has_chr = None if chr is None else flag("chr", chr)
    found = row_categories(guideline, reached, bcr, ph, has_chr)
    if not found:
        tests = [name for name, present in (("bcr_abl1_is_pct", row.bcr_above), ("ph_pos_pct", row.ph_above),
                                            ("chr", row.no_chr)) if present]
        when = "after its last milestone" if reached == ANY_TIME else f"at {months} months"
        raise ValueError(f"{guideline} {when} needs one of: {', '.join(tests)}")
    return worst(found)


def row_categories(guideline: str, reached: float, bcr: float | None, ph: float | None,
                   chr: bool | None) -> list[str]:
    """What the row of milestone ``reached`` (a key of RULES[guideline]) says of each result given (values already
    checked, as `classify` checks them); empty when the row has no criterion for any of them."""
    row = RULES[guideline][reached]
    found: list[str] = []
    if bcr is not None and row.bcr_above is not None:
        found.append(_band(bcr, row.bcr, row.bcr_above))
    elif bcr is None and ph is not None and row.ph_above is None and row.bcr_above is not None \
            and guideline in ("ELN2020", "ELN2025"):
        found.append(_band(bcr_equivalent(ph), row.bcr, row.bcr_above))
    if ph is not None and row.ph_above is not None:
        found.append(_band(ph, row.ph, row.ph_above))
    if chr is not None and row.no_chr is not None:
        found.append(OPTIMAL if chr else row.no_chr)
    return found


def worst(categories: list[str]) -> str:
    """The most severe of the categories."""
    return max(categories, key=_SEVERITY.__getitem__)


#: Categories by severity (SEVERITY_ORDER[severity(c)] == c).
SEVERITY_ORDER: tuple[str, ...] = tuple(sorted(_SEVERITY, key=_SEVERITY.__getitem__))


def severity(category: str) -> int:
    """0 optimal, 1 warning, 2 suboptimal, 3 failure (`worst` picks the highest)."""
    return _SEVERITY[category]


#: The "any time" rows' genetic criteria: guideline -> finding -> category.
#: ELN 2020 table 4 (and ELN 2025, unverified): resistance mutations, high-risk ACA (Ph+) -> failure.
#: ELN 2013 table 5: mutations, CCA/Ph+ -> failure; CCA/Ph- (-7 or 7q-) -> warning.
#: ELN 2009 table 5: mutation -> failure; clonal chromosome abnormalities in Ph+ cells -> suboptimal; in Ph- cells ->
#: warning.
GENETIC_RULES: dict[str, dict[str, str]] = {
    "ELN2020": {"mutation": FAILURE, "aca_high_risk": FAILURE},
    "ELN2025": {"mutation": FAILURE, "aca_high_risk": FAILURE},
    "ELN2013": {"mutation": FAILURE, "aca_high_risk": FAILURE, "aca_other": FAILURE, "aca_ph_negative_7": WARNING},
    "ELN2009": {"mutation": FAILURE, "aca_high_risk": SUBOPTIMAL, "aca_other": SUBOPTIMAL, "aca_ph_negative": WARNING},
}


def genetic_categories(guideline: str, mutations: tuple[str, ...] = (), aca_high_risk: tuple[str, ...] = (),
                       aca_other: tuple[str, ...] = (), aca_ph_negative: tuple[str, ...] = ()) -> list[str]:
    """The categories the guideline's "any time" row gives for the mutations and ACA found on treatment."""
    _check_guideline(guideline)
    rules = GENETIC_RULES[guideline]
    present = {"mutation": bool(mutations), "aca_high_risk": bool(aca_high_risk), "aca_other": bool(aca_other),
               "aca_ph_negative": bool(aca_ph_negative), "aca_ph_negative_7": "-7/7q-" in aca_ph_negative}
    return [category for finding, category in rules.items() if present[finding]]
