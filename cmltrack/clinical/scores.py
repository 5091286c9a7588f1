"""Prognostic scores at diagnosis.

EUTOS: Hasford J et al., Blood 2011;118:686-692. score = 7 x basophils% + 4 x spleen (cm below costal margin);
high risk when score > 87, low risk when <= 87 (87 itself is low).
"""

from __future__ import annotations

import math

#: Cut-offs as (upper bound of low, upper bound of intermediate); a value above the last bound is high.
#: EUTOS has two groups only, so its intermediate bound equals its low bound.
_CUTOFFS: dict[str, tuple[float, float]] = {
    "eutos": (87.0, 87.0),  # Hasford 2011: low <= 87 < high
}


def _check(name: str, value: float, upper: float | None = None) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"{name} is missing")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    if upper is not None and value > upper:
        raise ValueError(f"{name} must be <= {upper}, got {value}")
    return float(value)


def eutos(basophils_pct: float, spleen_cm: float) -> float:
    """EUTOS score (Hasford 2011): 7 x peripheral blood basophils (%) + 4 x spleen size (cm below costal margin)."""
    return 7.0 * _check("basophils_pct", basophils_pct, 100.0) + 4.0 * _check("spleen_cm", spleen_cm)


def risk_group(score: str, value: float) -> str:
    """Risk group ('low' | 'intermediate' | 'high') of a score value; ``score`` names the score (e.g. 'eutos')."""
    key = score.lower()
    if key not in _CUTOFFS:
        raise ValueError(f"score must be one of {sorted(_CUTOFFS)}, got {score!r}")
    low, intermediate = _CUTOFFS[key]
    value = _check("value", value)
    if value <= low:
        return "low"
    if value <= intermediate:
        return "intermediate"
    return "high"
