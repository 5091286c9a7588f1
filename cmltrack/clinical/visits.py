"""Each visit's labs classified once, for the response timeline: CHR, marrow, cytogenetic response, molecular
response, phase on therapy.

The rules are those of responses.py (hematologic, cytogenetic, molecular: ELN 2009 table 2, ELN 2013 table 1,
Cross 2015 table 1) and phase.py (ELN, Baccarani 2009 table 1); their docstrings cite the papers. This module says
which lab columns feed them:
- CHR: WBC, platelets, basophils, spleen and immature granulocytes all counted (a count without a differential cannot
  show CHR: None); immature cells are immature granulocytes or blasts above 0.
- Marrow: the % of Ph+ metaphases, however few were counted (any Ph+ metaphase after CCyR is a loss of CCyR). Its
  cytogenetic response needs >= 20 metaphases; otherwise interphase FISH can show CCyR (< 1% of >= 200 nuclei).
  The Ph+ % a cytogenetic result stands for in the milestone tables is the marrow's, or 0 for CCyR by FISH.
- Molecular: BCR::ABL1 IS and its depth; an undetectable result in a sample of < 10,000 ABL1 copies is not evaluable.
- Phase on therapy (ELN): blasts, blasts + promyelocytes, basophils; platelets are not used (drug cytopenia).

`classify_visit` applies them to one visit; cmltrack.derive.visits.classify_visits to a whole labs table at once
(numpy, with the thresholds imported from here, responses.py and phase.py), tested to give the same answer for
every visit, boundaries and refused values included (tests/unit/test_visit_classes.py).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import NamedTuple

from cmltrack.clinical.phase import phase
from cmltrack.clinical.responses import (
    MIN_METAPHASES,
    MOLECULAR_DEPTHS,
    NOT_EVALUABLE,
    cytogenetic,
    hematologic,
    molecular,
)

Visit = Mapping[str, object]  # one labs row: date, wbc, platelets, basophils_pct, ...
#: An undetectable BCR::ABL1 result is evaluable from this many ABL1 copies (MR4, Cross 2015).
MIN_COPIES_UNDETECTABLE = MOLECULAR_DEPTHS[2][2]
#: The labs columns the classification reads.
COLUMNS: tuple[str, ...] = ("wbc", "platelets", "basophils_pct", "spleen_cm", "immature_granulocytes_pct",
                            "blasts_pct", "promyelocytes_pct", "ph_pos_pct", "metaphases", "fish_pct", "fish_nuclei",
                            "bcr_abl1_is_pct", "abl1_copies")


class VisitClass(NamedTuple):
    """What one visit shows (None: not measured, or not evaluable)."""

    date: dt.date
    chr: bool | None  # complete hematologic response
    ph_positive: bool  # a marrow with any Ph+ metaphase, however few were counted
    cyto: str | None  # cytogenetic response: 'CCyR', 'PCyR', 'minor', 'minimal', 'none'
    ph_value: float | None  # the Ph+ % that response stands for in the milestone tables (CCyR by FISH: 0)
    bcr: float | None  # BCR::ABL1 IS % of an evaluable sample
    depth: str | None  # 'MMR', 'MR4', 'MR4.5', 'MR5'; None: no MMR
    phase: str | None  # ELN phase shown by the counts: 'CP', 'AP', 'BP'


def lab_value(v: object) -> float | None:
    """A lab value as a float; None when missing, NaN or not a number."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _chr(v: Visit) -> bool | None:
    values = [lab_value(v.get(k))
              for k in ("wbc", "platelets", "basophils_pct", "spleen_cm", "immature_granulocytes_pct")]
    if None in values:
        return None
    wbc, plt, baso, spleen, immature = values
    return hematologic(wbc, plt, baso, immature > 0 or (lab_value(v.get("blasts_pct")) or 0) > 0, spleen)


def _cyto(v: Visit) -> tuple[bool, str | None, float | None]:
    """(any Ph+ metaphase, cytogenetic response, the Ph+ % it stands for)."""
    ph, n = lab_value(v.get("ph_pos_pct")), lab_value(v.get("metaphases"))
    metaphases = None if n is None else int(n)
    evaluable = ph is not None and metaphases is not None and metaphases >= MIN_METAPHASES
    fish = lab_value(v.get("fish_pct"))
    positive = ph is not None and ph > 0
    if not evaluable and fish is None:
        return positive, None, None
    nuclei = lab_value(v.get("fish_nuclei"))
    category = cytogenetic(ph if evaluable else None, metaphases if evaluable else None, fish,
                           None if nuclei is None else int(nuclei))
    if category == NOT_EVALUABLE:
        return positive, None, None
    return positive, category, ph if evaluable else 0.0


def _mol(v: Visit) -> tuple[float | None, str | None]:
    """(BCR::ABL1 %, depth); (None, None) when no evaluable result."""
    bcr = lab_value(v.get("bcr_abl1_is_pct"))
    if bcr is None:
        return None, None
    copies = lab_value(v.get("abl1_copies"))
    if bcr == 0 and (copies is None or copies < MIN_COPIES_UNDETECTABLE):
        return None, None  # undetectable in an inadequate sample: not evaluable
    return bcr, molecular(bcr, None if copies is None else int(copies))


def count_phase(v: Visit) -> str | None:
    """ELN phase shown by a visit's counts on therapy: blasts, blasts + promyelocytes, basophils (not platelets)."""
    blasts, baso, pro = (lab_value(v.get(k)) for k in ("blasts_pct", "basophils_pct", "promyelocytes_pct"))
    return phase(blasts, baso, None, None if blasts is None or pro is None else min(blasts + pro, 100.0))


def classify_visit(v: Visit) -> VisitClass:
    """One visit (a labs row with its date) classified."""
    positive, cyto, ph_value = _cyto(v)
    bcr, depth = _mol(v)
    return VisitClass(v["date"], _chr(v), positive, cyto, ph_value, bcr, depth, count_phase(v))
