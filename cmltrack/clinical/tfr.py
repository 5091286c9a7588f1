"""Treatment-free remission (TFR): who may stop a TKI, how long a deep response has lasted, and molecular recurrence.

Source: Hochhaus A et al., Leukemia 2020;34:966-984, section "Treatment-free remission" and Table 7 (requirements
for TKI discontinuation):
- mandatory: CML in first chronic phase only; a motivated patient with structured communication; access to
  high-quality quantitative PCR on the IS with rapid results; agreement to the monitoring schedule after the stop
  (cmltrack.clinical.monitoring);
- minimal (stop allowed): first-line TKI, or second-line if intolerance was the only reason for the change; typical
  e13a2 or e14a2 BCR::ABL1 transcripts; TKI therapy > 5 years (> 4 years for a second-generation TKI); deep
  molecular response (MR4 or better) for > 2 years; no prior treatment failure;
- optimal (stop recommended for consideration): TKI therapy > 5 years; deep molecular response > 3 years if MR4,
  > 2 years if MR4.5.
Molecular recurrence after a stop is the loss of MMR (BCR::ABL1 IS > 0.1%), the trigger to restart the TKI.

A year is clinical.units.YEAR_DAYS days. What the data cannot tell (transcript type when not recorded, the patient's
motivation, the laboratory's sensitivity) is reported as unknown, never assumed.

A TKI stopped for TFR is a treatment segment whose stop reason names it (``is_tfr_stop``: "treatment-free remission",
"TFR", "stopped for TFR", ...); the import stores every such spelling as ``TFR_REASON``. Second-generation TKIs
(the > 4-year minimum of Table 7): dasatinib, nilotinib, bosutinib (ELN 2020, "first-line treatment").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cmltrack.clinical.responses import MOLECULAR_DEPTHS, depth
from cmltrack.clinical.units import YEAR_DAYS

MANDATORY, MINIMAL, OPTIMAL = "mandatory", "minimal", "optimal"
#: Mandatory requirements no registry records: shown as "to confirm with the patient and laboratory".
TO_CONFIRM: tuple[str, ...] = (
    "motivated patient, with structured communication",
    "quantitative PCR on the IS, with rapid results",
    "agreement to monthly BCR::ABL1 for 6 months, every 2 months to month 12, then every 3 months",
)
#: Minimal years on TKI (imatinib; second-generation TKI) and of deep molecular response; optimal years.
MIN_TKI_YEARS, MIN_TKI_YEARS_2G, MIN_DMR_YEARS = 5.0, 4.0, 2.0
OPTIMAL_TKI_YEARS, OPTIMAL_DMR_YEARS = 5.0, {"MR4": 3.0, "MR4.5": 2.0}
#: Status of a TFR assessment.
NOT_ELIGIBLE, UNKNOWN, CANDIDATE, RECOMMENDED = "not eligible", "unknown", "candidate", "recommended"
#: The stop reason a TKI segment stopped for treatment-free remission is stored with.
TFR_REASON = "treatment-free remission"
#: Spellings of a stop for TFR: "TFR" as a word, or "treatment(-)free remission" (any case).
_TFR_SPELLING = re.compile(r"\btfr\b|\btreatment[\s-]*free[\s-]*remission\b", re.IGNORECASE)
#: Second-generation TKIs (ELN 2020: TKI therapy > 4 years suffices after them).
SECOND_GENERATION: tuple[str, ...] = ("dasatinib", "nilotinib", "bosutinib")
#: Molecular recurrence after a stop: BCR::ABL1 IS above the MMR bound (Cross 2015 via MOLECULAR_DEPTHS).
MMR_BOUND = next(bound for name, bound, _ in MOLECULAR_DEPTHS if name == "MMR")


@dataclass(frozen=True)
class Criterion:
    """One requirement: its level (mandatory / minimal / optimal), whether it is met (None: unknown), and why."""

    name: str
    level: str
    met: bool | None
    detail: str


@dataclass(frozen=True)
class TfrAssessment:
    """Status: 'recommended' (every minimal and optimal requirement the data can show is met), 'candidate' (the
    minimal ones are), 'unknown' (none fails, but time on TKI or in deep response is unknown), 'not eligible'."""

    status: str
    criteria: tuple[Criterion, ...]

    @property
    def unknown(self) -> tuple[str, ...]:
        """Requirements the data cannot tell."""
        return tuple(c.name for c in self.criteria if c.met is None)

    @property
    def failed(self) -> tuple[str, ...]:
        """Requirements not met."""
        return tuple(c.name for c in self.criteria if c.met is False)


def is_tfr_stop(reason: object) -> bool:
    """Whether a treatment segment's stop reason says the TKI was stopped for treatment-free remission."""
    return isinstance(reason, str) and _TFR_SPELLING.search(reason) is not None


def stored_reason(reason: object) -> object:
    """The stop reason as stored: every spelling of a stop for TFR as TFR_REASON, anything else unchanged."""
    return TFR_REASON if is_tfr_stop(reason) else reason


def _over(value: float | None, bound: float) -> bool | None:
    return None if value is None else value > bound


def years_between(start: dt.date, end: dt.date) -> float:
    """Years (of YEAR_DAYS) from ``start`` to ``end``."""
    return (end - start).days / YEAR_DAYS


def eligibility(*, first_chronic_phase: bool | None, tki_line: int | None, changed_for_intolerance_only: bool | None,
                prior_failure: bool | None, typical_transcript: bool | None, tki_years: float | None,
                second_generation: bool, dmr_years: float | None, mr45_years: float | None) -> TfrAssessment:
    """Whether a patient on a TKI may stop for TFR (ELN 2020, Table 7); None for what the data cannot tell.

    ``dmr_years``: time in MR4 or deeper (unbroken, to the last test; 0 when the last test is shallower, None when
    there is no BCR::ABL1 result); ``mr45_years``: likewise in MR4.5 or deeper.
    """
    if tki_line is not None and tki_line < 1:
        raise ValueError(f"tki_line must be >= 1, got {tki_line!r}")
    line_ok = None if tki_line is None else (
        True if tki_line == 1 else (changed_for_intolerance_only if tki_line == 2 else False))
    tki_minimum = MIN_TKI_YEARS_2G if second_generation else MIN_TKI_YEARS
    optimal_dmr = (None if dmr_years is None and mr45_years is None else
                   bool((dmr_years or 0) > OPTIMAL_DMR_YEARS["MR4"] or (mr45_years or 0) > OPTIMAL_DMR_YEARS["MR4.5"]))
    criteria = (
        Criterion("first chronic phase (never accelerated or blast phase)", MANDATORY, first_chronic_phase,
                  "CML in first chronic phase only"),
        Criterion("first-line TKI, or second-line for intolerance only", MINIMAL, line_ok,
                  "unknown line" if tki_line is None else f"TKI line {tki_line}"),
        Criterion("no prior treatment failure", MINIMAL, None if prior_failure is None else not prior_failure,
                  "resistance or an ELN failure ends eligibility"),
        Criterion("typical e13a2 or e14a2 transcript", MINIMAL, typical_transcript,
                  "transcript type not recorded" if typical_transcript is None else "recorded"),
        Criterion(f"TKI therapy > {tki_minimum:g} years", MINIMAL, _over(tki_years, tki_minimum),
                  "unknown" if tki_years is None else f"{tki_years:.1f} years"),
        Criterion(f"MR4 or deeper > {MIN_DMR_YEARS:g} years", MINIMAL, _over(dmr_years, MIN_DMR_YEARS),
                  "no BCR::ABL1 result" if dmr_years is None else f"{dmr_years:.1f} years"),
        Criterion(f"TKI therapy > {OPTIMAL_TKI_YEARS:g} years", OPTIMAL, _over(tki_years, OPTIMAL_TKI_YEARS),
                  "unknown" if tki_years is None else f"{tki_years:.1f} years"),
        Criterion("MR4 > 3 years, or MR4.5 > 2 years", OPTIMAL, optimal_dmr,
                  "no BCR::ABL1 result" if optimal_dmr is None else
                  f"MR4 {dmr_years or 0:.1f} y, MR4.5 {mr45_years or 0:.1f} y"),
    )
    required = [c for c in criteria if c.level in (MANDATORY, MINIMAL)]
    if any(c.met is False for c in required):
        status = NOT_ELIGIBLE
    elif tki_years is None or dmr_years is None:
        status = UNKNOWN
    elif all(c.met for c in criteria if c.level == OPTIMAL):
        status = RECOMMENDED
    else:
        status = CANDIDATE
    return TfrAssessment(status, criteria)


def sustained_since(results: Sequence[tuple[dt.date, str | None]], deepest_needed: str) -> dt.date | None:
    """Date of the first result of the unbroken run, up to the last result, of molecular responses at least as deep
    as ``deepest_needed`` ('MR4', 'MR4.5', ...); None when the last result is shallower. ``results``: (date, depth
    from responses.molecular, None for no MMR), in date order."""
    need = depth(deepest_needed)
    start = None
    for day, level in results:
        start = (start or day) if level is not None and depth(level) >= need else None
    return start


def molecular_recurrence(bcr_abl1_is_pct: float) -> bool:
    """Loss of MMR after a TKI stop (BCR::ABL1 IS > 0.1%): the ELN 2020 trigger to restart the TKI."""
    if bcr_abl1_is_pct is None or bcr_abl1_is_pct != bcr_abl1_is_pct or bcr_abl1_is_pct < 0:
        raise ValueError(f"bcr_abl1_is_pct must be a number >= 0, got {bcr_abl1_is_pct!r}")
    return bcr_abl1_is_pct > MMR_BOUND
