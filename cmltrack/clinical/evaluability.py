"""Which patients count as evaluable for response to thalidomide.

The abstract (Blood 2012;120(21):1689) reports 13 of 21 evaluable without a definition. cmltrack counts a patient as
evaluable after 3 months of follow-up on the combination: the first response milestone of ELN 2009
(Baccarani, JCO 2009;27:6041, table 3) is at 3 months. The bound is inclusive.
"""

from __future__ import annotations

import math

MIN_FOLLOWUP_MONTHS = 3.0


def is_evaluable(followup_months: float | None) -> bool:
    """True when follow-up since thalidomide start is at least 3 months."""
    if followup_months is None or math.isnan(followup_months):
        return False
    if followup_months < 0:
        raise ValueError(f"followup_months must be >= 0, got {followup_months}")
    return followup_months >= MIN_FOLLOWUP_MONTHS
