"""Input checks shared by the clinical rules: every bad value raises ValueError naming the argument."""

from __future__ import annotations

import math
import numbers

#: Plausible upper bounds (beyond them a value is a unit or entry error, not a patient).
LIMITS: dict[str, float] = {
    "age": 130.0,  # years
    "spleen_cm": 40.0,  # cm below the costal margin
    "platelets": 10_000.0,  # x10^9/L
    "wbc": 1_000.0,  # x10^9/L
    "bcr_abl1_is_pct": 1_000.0,  # IS-converted ratios can exceed 100%
    "months": 1_200.0,
}


def number(name: str, value: object, upper: float | None = None, positive: bool = False) -> float:
    """``value`` as a finite float >= 0 (> 0 when ``positive``), at most ``upper`` (default: LIMITS[name])."""
    if value is None:
        raise ValueError(f"{name} is missing")
    if type(value) is not float and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        raise ValueError(f"{name} must be a number, got {value!r}")  # (a plain float skips the slower ABC check)
    f = float(value)
    if math.isnan(f):
        raise ValueError(f"{name} is missing (NaN)")
    if not math.isfinite(f):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if f < 0 or (positive and f == 0):
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'}, got {value!r}")
    limit = LIMITS.get(name) if upper is None else upper
    if limit is not None and f > limit:
        raise ValueError(f"{name} must be <= {limit:g}, got {value!r}")
    return f


def percent(name: str, value: object) -> float:
    """A percentage between 0 and 100."""
    return number(name, value, upper=100.0)


def count(name: str, value: object) -> int | None:
    """A whole count (metaphases, copies) or None when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    f = number(name, value, upper=float("inf"))
    if f != int(f):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(f)


def flag(name: str, value: object) -> bool:
    """A yes/no value (Python or NumPy bool)."""
    if type(value).__name__ not in ("bool", "bool_"):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)
