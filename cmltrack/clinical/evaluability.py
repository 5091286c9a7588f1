"""Which patients count as evaluable for response to thalidomide.

The abstract (Blood 2012;120(21):1689) reports 13 of 21 evaluable without a definition. cmltrack counts a patient as
evaluable after 12 weeks (84 days) on thalidomide: the first response milestone of ELN 2009 (Baccarani, JCO
2009;27:6041, table 5) is at 3 months, and a 3-month visit falls 84-98 days after the start (calendar months are
89-92 days; 84 allows a visit one week early). The bound is inclusive.
"""

from __future__ import annotations

import math

from cmltrack.clinical.units import MONTH_DAYS

MIN_DAYS = 84


def is_evaluable(months_on_thalidomide: float | None) -> bool:
    """True after at least 12 weeks (84 days, 2.76 months) on thalidomide."""
    if months_on_thalidomide is None or math.isnan(months_on_thalidomide):
        return False
    if months_on_thalidomide < 0:
        raise ValueError(f"months_on_thalidomide must be >= 0, got {months_on_thalidomide}")
    return months_on_thalidomide * MONTH_DAYS >= MIN_DAYS - 1e-9
