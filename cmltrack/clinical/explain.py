"""Help texts generated from the rules' own numbers and papers: what a page says a rule is cannot drift from what
the rule does. The pages and tables show these strings; none of them writes a cut-off or a citation of its own."""

from __future__ import annotations

from cmltrack.clinical import monitoring, phase, responses, tfr
from cmltrack.clinical.milestones import CITATIONS, GUIDELINES
from cmltrack.clinical.scores import CUTOFFS, SCORES


def _pct(value: float) -> str:
    return f"{value:g}%"


def _months(value: float) -> str:
    return f"{value:g} month{'' if value == 1 else 's'}"


def score_help(score: str) -> str:
    """One score's paper, formula and risk groups."""
    return CUTOFFS[score].describe()


def risk_groups_help(score: str) -> str:
    """One score's risk groups by its cut-offs, and its paper."""
    c = CUTOFFS[score]
    return f"{c.groups_text().capitalize()} ({c.name}: {c.citation})"


def scores_help() -> str:
    """Every score's paper and risk groups."""
    return " ".join(f"{CUTOFFS[s].name}: {CUTOFFS[s].citation}; {CUTOFFS[s].groups_text()}." for s in SCORES)


def guideline_label(guideline: str) -> str:
    """'ELN2020' -> 'ELN 2020'."""
    return guideline.replace("ELN", "ELN ")


def guidelines_help() -> str:
    """The ELN recommendations the app applies, with their papers."""
    return " ".join(f"{guideline_label(g)}: {CITATIONS[g]}." for g in GUIDELINES)


def depth_help() -> str:
    """The molecular response depths by their bounds (an undetectable result needs the ABL1 copies named)."""
    by_name = {name: (bound, copies) for name, bound, copies in responses.MOLECULAR_DEPTHS}
    parts = [f"{name} <= {_pct(by_name[name][0])}" for name in ("MMR", "MR4", "MR4.5", "MR5")]
    undetectable = ", ".join(f"{copies:,} for {name}" for name, _, copies in reversed(responses.MOLECULAR_DEPTHS[:3]))
    return (f"Molecular response (BCR::ABL1 IS; {responses.MOLECULAR_SOURCE}): {', '.join(parts)}; an undetectable "
            f"result counts with at least this many ABL1 copies: {undetectable}.")


def phase_help() -> str:
    """How the ELN phase is called from a blood count, with its numbers."""
    blast, accelerated = phase.BLASTS["ELN"]
    return (f"ELN phase ({phase.CITATIONS['ELN']}): blast phase at blasts >= {_pct(blast)}; accelerated at blasts "
            f">= {_pct(accelerated)}, blasts + promyelocytes > {_pct(phase.BLASTS_PROMYELOCYTES_AP_ABOVE)}, or "
            f"basophils >= {_pct(phase.BASOPHILS_AP_FROM)}")


def pcr_schedule_help() -> str:
    """The ELN 2020 BCR::ABL1 monitoring schedule the worklist applies (on a TKI, and in TFR)."""
    usual, latest = monitoring.ON_TKI_IN_MMR_MONTHS
    tfr = monitoring.TFR_SCHEDULE
    steps = [(f"every {_months(every)} to month {tfr[i + 1][0]:g}" if i + 1 < len(tfr)
              else f"then every {_months(every)}") for i, (_, every) in enumerate(tfr)]
    return (f"ELN 2020 ({monitoring.SOURCE}): every {_months(monitoring.ON_TKI_BEFORE_MMR_MONTHS)} until MMR, then "
            f"every {usual:g} to {_months(latest)} (overdue past {latest:g}); in TFR {', '.join(steps)}")


def tfr_requirements_help() -> str:
    """The ELN 2020 Table 7 requirements for a TKI stop that the data can show, with their numbers."""
    return (f"first chronic phase, TKI line, no prior failure, > {tfr.MIN_TKI_YEARS:g} years of TKI, "
            f"> {tfr.MIN_TKI_YEARS_2G:g} after a second-generation TKI, MR4 or deeper > {tfr.MIN_DMR_YEARS:g} years")


def molecular_recurrence_help() -> str:
    """What ends a treatment-free remission (ELN 2020), with its bound."""
    return f"loss of MMR, BCR::ABL1 > {_pct(tfr.MMR_BOUND)} IS, ELN 2020"


def references() -> str:
    """Every paper behind the scores, the milestones and the depths, for a page's footnote."""
    scores = ", ".join(f"{CUTOFFS[s].name} ({CUTOFFS[s].citation})" for s in SCORES)
    eln = ", ".join(f"{guideline_label(g)} ({CITATIONS[g]})" for g in GUIDELINES)
    return (f"Risk scores at diagnosis: {scores}. Response milestones: {eln}. Molecular depth: "
            f"{responses.MOLECULAR_SOURCE}.")
