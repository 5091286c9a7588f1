"""CTCAE v5.0 grades of laboratory adverse events (NCI, 27 Nov 2017; Investigations and Blood sections).

Each grade is a half-open band: "<1.5 - 1.0 x10^9/L" means value < 1.5 and >= 1.0. A value at or above the lower
limit of normal (LLN) is grade 0.
- Neutrophil count decreased (x10^9/L): G1 < LLN - 1.5; G2 < 1.5 - 1.0; G3 < 1.0 - 0.5; G4 < 0.5.
- Platelet count decreased (x10^9/L): G1 < LLN - 75; G2 < 75 - 50; G3 < 50 - 25; G4 < 25.
- White blood cell decreased (x10^9/L): G1 < LLN - 3.0; G2 < 3.0 - 2.0; G3 < 2.0 - 1.0; G4 < 1.0.
- Anemia (haemoglobin, g/L): G1 < LLN - 100; G2 < 100 - 80; G3 < 80; grade 4 (life-threatening, urgent
  intervention) is a clinical judgement that a value alone cannot show, so values grade 0-3.
"""

from __future__ import annotations

from cmltrack.clinical.validate import number

#: A haemoglobin below this many g/L is not compatible with life: such a value was entered in g/dL.
MIN_HB_G_PER_L = 30.0
#: test -> (default LLN used when none is given, band lower bounds for grades 2, 3, 4 (None: not by value)).
_BANDS: dict[str, tuple[float, tuple[float | None, ...]]] = {
    "neutrophils": (2.0, (1.5, 1.0, 0.5)),  # default LLN 2.0 x10^9/L (a common adult reference limit)
    "platelets": (150.0, (75.0, 50.0, 25.0)),  # default LLN 150 x10^9/L
    "hemoglobin": (120.0, (100.0, 80.0, None)),  # default LLN 120 g/L (adult female)
    "wbc": (4.0, (3.0, 2.0, 1.0)),  # default LLN 4.0 x10^9/L
}
#: How each graded test is named in CTCAE v5.0.
TERMS: dict[str, str] = {
    "neutrophils": "Neutrophil count decreased", "platelets": "Platelet count decreased",
    "hemoglobin": "Anemia", "wbc": "White blood cell decreased",
}
_ALIASES: dict[str, str] = {
    "neutrophils": "neutrophils", "anc": "neutrophils", "neutrophil count decreased": "neutrophils",
    "platelets": "platelets", "plt": "platelets", "platelet count decreased": "platelets",
    "hemoglobin": "hemoglobin", "haemoglobin": "hemoglobin", "hb": "hemoglobin", "anemia": "hemoglobin",
    "anaemia": "hemoglobin", "wbc": "wbc", "white blood cell decreased": "wbc", "leukocytes": "wbc",
}


def lab_grade(test: str, value: float, lln: float | None = None) -> int:
    """CTCAE v5.0 grade (0-4) of a low neutrophil count, platelet count, white cell count or haemoglobin."""
    key = _ALIASES.get(test.strip().lower()) if isinstance(test, str) else None
    if key is None:
        raise ValueError(f"test must be one of neutrophils, platelets, hemoglobin, wbc; got {test!r}")
    value = number("value", value, upper=float("inf"))
    default_lln, bounds = _BANDS[key]
    limit = default_lln if lln is None else number("lln", lln, upper=float("inf"), positive=True)
    if key == "hemoglobin" and (value < MIN_HB_G_PER_L or limit < MIN_HB_G_PER_L):
        raise ValueError(f"value: haemoglobin is graded in g/L; {value:g} looks like g/dL")
    if value >= limit:
        return 0
    grade = 1
    for lower in bounds:  # lower bound of grade 1, 2, 3 in turn; below it the next grade starts
        if lower is None or value >= lower:
            break
        grade += 1
    return grade


def below_for_grade(test: str, grade: int, lln: float | None = None) -> float:
    """The value below which ``test`` is at least CTCAE ``grade`` (1-4): the LLN for grade 1, else the lower bound
    of the grade before (neutrophils grade 3: < 1.0 x10^9/L); -inf when no value reaches the grade (Hb grade 4)."""
    key = _ALIASES.get(test.strip().lower()) if isinstance(test, str) else None
    if key is None:
        raise ValueError(f"test must be one of neutrophils, platelets, hemoglobin, wbc; got {test!r}")
    if grade not in (1, 2, 3, 4):
        raise ValueError(f"grade must be 1, 2, 3 or 4; got {grade!r}")
    default_lln, bounds = _BANDS[key]
    if grade == 1:
        return default_lln if lln is None else number("lln", lln, upper=float("inf"), positive=True)
    bound = bounds[grade - 2]
    return float("-inf") if bound is None else bound
