"""When a patient's next BCR::ABL1 test is due, and by how much it is overdue (ELN 2020 monitoring schedule).

Source: Hochhaus A et al., Leukemia 2020;34:966-984, section "Monitoring response": quantitative PCR (BCR::ABL1 IS)
every 3 months until MMR is achieved, then every 3 to 6 months; section "Treatment-free remission" and the table of
requirements for TKI discontinuation (Table 7): after stopping, monthly for the first 6 months, every 2 months in
months 7-12, and every 3 months thereafter.

Milestones (Table 4 of the same paper: 3, 6 and 12 months on the TKI line) are classified by the BCR::ABL1 result
nearest to them within their window (cmltrack.clinical.milestones.WINDOW_BEFORE / WINDOW_AFTER); a result on marrow
cytogenetics stands in where no BCR::ABL1 is done (the paper's equivalence). A milestone reached without such a
result cannot be classified: ``untested_milestone`` flags it from the milestone's date until the next milestone
(12 months: until 18, ELN 2013's last).

Interpretations (stated, not in the paper): "every 3 to 6 months" in MMR is overdue only past its upper bound (6
months), so a clinic is not flagged for a test the guideline leaves to judgement; "in MMR" is the last result's
depth (a patient who lost MMR is back on the 3-month interval); the TFR interval is the one of the TFR month in
which the last test was taken (a test in month 5 calls for the next a month later, one in month 6 two months
later); a month is clinical.units.MONTH_DAYS days.
"""

from __future__ import annotations

import datetime as dt
import math

from cmltrack.clinical.milestones import WINDOW_AFTER, WINDOW_BEFORE
from cmltrack.clinical.units import MONTH_DAYS

#: The paper of the schedule below.
SOURCE = "Hochhaus A et al., Leukemia 2020;34:966-984"
#: On a TKI: months between BCR::ABL1 tests before MMR, and the (usual, latest) interval once in MMR.
ON_TKI_BEFORE_MMR_MONTHS = 3.0
ON_TKI_IN_MMR_MONTHS = (3.0, 6.0)
#: After a TKI stop for treatment-free remission: (TFR month from, interval in months), in order.
TFR_SCHEDULE: tuple[tuple[float, float], ...] = ((0.0, 1.0), (6.0, 2.0), (12.0, 3.0))
#: Under follow-up: a patient with no visit in this many months before the as-of date is not counted as overdue
#: (lost to follow-up, or followed elsewhere); the worklist names how many and lists them on request. An
#: interpretation, not in the paper: four missed tests on the 3-month schedule.
FOLLOW_UP_MONTHS = 12.0
#: ELN 2020 milestones (months on the TKI line) and the month until which a milestone without its test is flagged.
MILESTONES: tuple[float, ...] = (3.0, 6.0, 12.0)
FLAGGED_UNTIL: dict[float, float] = {3.0: 6.0, 6.0: 12.0, 12.0: 18.0}
#: A result this many months before / after a milestone classifies it (one home: cmltrack.clinical.milestones).
MILESTONE_WINDOW = (WINDOW_BEFORE, WINDOW_AFTER)


def tfr_interval_months(tfr_month: float) -> float:
    """Months until the next BCR::ABL1 test for a test taken ``tfr_month`` months after the TKI stop."""
    if tfr_month is None or math.isnan(tfr_month) or tfr_month < 0:
        raise ValueError(f"tfr_month must be a number >= 0, got {tfr_month!r}")
    return next(interval for start, interval in reversed(TFR_SCHEDULE) if tfr_month >= start)


def pcr_interval_months(in_mmr: bool, tfr_month: float | None = None) -> float:
    """Latest interval (months) before the next BCR::ABL1 test is overdue: in treatment-free remission (``tfr_month``
    of the last test given) by the TFR schedule; on a TKI, 3 months before MMR and 6 in MMR."""
    if tfr_month is not None:
        return tfr_interval_months(tfr_month)
    if not isinstance(in_mmr, bool):
        raise ValueError(f"in_mmr must be True or False, got {in_mmr!r}")
    return ON_TKI_IN_MMR_MONTHS[1] if in_mmr else ON_TKI_BEFORE_MMR_MONTHS


def add_months(day: dt.date, months: float) -> dt.date:
    """``day`` plus ``months`` average months, to the day."""
    return day + dt.timedelta(days=round(months * MONTH_DAYS))


def pcr_due(last_test: dt.date, in_mmr: bool, tfr_start: dt.date | None = None) -> dt.date:
    """The date the next BCR::ABL1 test is due after ``last_test`` (see the module's schedule)."""
    tfr_month = None
    if tfr_start is not None:
        if last_test < tfr_start:  # no test since the stop: the first one is due a month after it
            return add_months(tfr_start, TFR_SCHEDULE[0][1])
        tfr_month = (last_test - tfr_start).days / MONTH_DAYS
    return add_months(last_test, pcr_interval_months(in_mmr, tfr_month))


def days_overdue(due: dt.date, as_of: dt.date) -> int:
    """Days past ``due`` on ``as_of`` (0 when not yet due or due that day)."""
    return max(0, (as_of - due).days)


def untested_milestone(months_on_line: float, milestone: float, tested: bool) -> bool:
    """Whether ``milestone`` (months) has been reached on the TKI line without a result that classifies it, and is
    still the one to act on (until FLAGGED_UNTIL[milestone] months)."""
    if milestone not in FLAGGED_UNTIL:
        raise ValueError(f"milestone must be one of {list(FLAGGED_UNTIL)}, got {milestone!r}")
    if months_on_line is None or math.isnan(months_on_line):
        raise ValueError(f"months_on_line must be a number, got {months_on_line!r}")
    return not tested and milestone <= months_on_line < FLAGGED_UNTIL[milestone]
