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

`classify_visit` applies them to one visit; `classify_visits` to a whole labs table at once (numpy, with the
thresholds imported from responses.py and phase.py). Both give the same answer for every visit, boundaries and
invalid values included (tests/unit/test_visit_classes.py); an invalid value raises the scalar rule's ValueError.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from cmltrack.clinical.phase import BASOPHILS_AP_FROM, BLASTS, BLASTS_PROMYELOCYTES_AP_ABOVE, phase
from cmltrack.clinical.responses import (
    CHR_BASOPHILS_BELOW,
    CHR_PLATELETS_BELOW,
    CHR_WBC_BELOW,
    CYTOGENETIC_BANDS,
    FISH_CCYR_BELOW,
    FISH_MIN_NUCLEI,
    MIN_METAPHASES,
    MOLECULAR_DEPTHS,
    NO_RESPONSE,
    NOT_EVALUABLE,
    cytogenetic,
    hematologic,
    molecular,
)
from cmltrack.clinical.validate import LIMITS

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


def _num(v: object) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _chr(v: Visit) -> bool | None:
    values = [_num(v.get(k)) for k in ("wbc", "platelets", "basophils_pct", "spleen_cm", "immature_granulocytes_pct")]
    if None in values:
        return None
    wbc, plt, baso, spleen, immature = values
    return hematologic(wbc, plt, baso, immature > 0 or (_num(v.get("blasts_pct")) or 0) > 0, spleen)


def _cyto(v: Visit) -> tuple[bool, str | None, float | None]:
    """(any Ph+ metaphase, cytogenetic response, the Ph+ % it stands for)."""
    ph, n = _num(v.get("ph_pos_pct")), _num(v.get("metaphases"))
    metaphases = None if n is None else int(n)
    evaluable = ph is not None and metaphases is not None and metaphases >= MIN_METAPHASES
    fish = _num(v.get("fish_pct"))
    positive = ph is not None and ph > 0
    if not evaluable and fish is None:
        return positive, None, None
    nuclei = _num(v.get("fish_nuclei"))
    category = cytogenetic(ph if evaluable else None, metaphases if evaluable else None, fish,
                           None if nuclei is None else int(nuclei))
    if category == NOT_EVALUABLE:
        return positive, None, None
    return positive, category, ph if evaluable else 0.0


def _mol(v: Visit) -> tuple[float | None, str | None]:
    """(BCR::ABL1 %, depth); (None, None) when no evaluable result."""
    bcr = _num(v.get("bcr_abl1_is_pct"))
    if bcr is None:
        return None, None
    copies = _num(v.get("abl1_copies"))
    if bcr == 0 and (copies is None or copies < MIN_COPIES_UNDETECTABLE):
        return None, None  # undetectable in an inadequate sample: not evaluable
    return bcr, molecular(bcr, None if copies is None else int(copies))


def count_phase(v: Visit) -> str | None:
    """ELN phase shown by a visit's counts on therapy: blasts, blasts + promyelocytes, basophils (not platelets)."""
    blasts, baso, pro = (_num(v.get(k)) for k in ("blasts_pct", "basophils_pct", "promyelocytes_pct"))
    return phase(blasts, baso, None, None if blasts is None or pro is None else min(blasts + pro, 100.0))


def classify_visit(v: Visit) -> VisitClass:
    """One visit (a labs row with its date) classified."""
    positive, cyto, ph_value = _cyto(v)
    bcr, depth = _mol(v)
    return VisitClass(v["date"], _chr(v), positive, cyto, ph_value, bcr, depth, count_phase(v))


# -- the same, for a whole table --------------------------------------------------------------------------------------

def _column(labs: pd.DataFrame, name: str) -> np.ndarray:
    """A labs column as floats, NaN where missing (as _num reads one value)."""
    if name not in labs:
        return np.full(len(labs), np.nan)
    values = labs[name]
    if values.dtype == object:
        return np.array([np.nan if (f := _num(x)) is None else f for x in values], dtype=float)
    if values.dtype == bool:
        return np.full(len(labs), np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _within(x: np.ndarray, upper: float) -> np.ndarray:
    """Values validate.number accepts: >= 0, <= upper (so finite)."""
    return (x >= 0) & (x <= upper)


def _choose(conditions: list[np.ndarray], choices: list[str | None], n: int) -> np.ndarray:
    out = np.full(n, None, dtype=object)
    done = np.zeros(n, dtype=bool)
    for condition, choice in zip(conditions, choices):
        pick = condition & ~done
        out[pick] = choice
        done |= condition
    return out


def classify_visits(labs: pd.DataFrame) -> pd.DataFrame:
    """Every row of ``labs`` classified: columns chr (True/False/None), ph_positive, cyto, ph_value (NaN: none), bcr
    (NaN: none), depth and phase, on the index of ``labs``. Raises the scalar rule's ValueError for the first row
    with a value the rules refuse."""
    n = len(labs)
    col = {name: _column(labs, name) for name in COLUMNS}
    known = {name: ~np.isnan(x) for name, x in col.items()}
    bad = np.zeros(n, dtype=bool)

    # CHR (responses.hematologic)
    wbc, plt, baso, spleen = col["wbc"], col["platelets"], col["basophils_pct"], col["spleen_cm"]
    counted = known["wbc"] & known["platelets"] & known["basophils_pct"] & known["spleen_cm"] \
        & known["immature_granulocytes_pct"]
    bad |= counted & ~(_within(wbc, LIMITS["wbc"]) & _within(plt, LIMITS["platelets"])
                       & _within(spleen, LIMITS["spleen_cm"]) & _within(baso, 100.0))
    immature = (col["immature_granulocytes_pct"] > 0) | (np.nan_to_num(col["blasts_pct"], nan=0.0) > 0)
    chr_yes = (wbc < CHR_WBC_BELOW) & (plt < CHR_PLATELETS_BELOW) & (baso < CHR_BASOPHILS_BELOW) & ~immature \
        & (spleen == 0)
    chr_ = np.full(n, None, dtype=object)
    chr_[counted & chr_yes] = True  # Python booleans, as the scalar rule gives
    chr_[counted & ~chr_yes] = False

    # Marrow and FISH (responses.cytogenetic)
    ph, fish = col["ph_pos_pct"], col["fish_pct"]
    metaphases = np.trunc(col["metaphases"])
    nuclei = np.trunc(col["fish_nuclei"])
    evaluable = known["ph_pos_pct"] & known["metaphases"] & (metaphases >= MIN_METAPHASES)
    bad |= evaluable & ~_within(ph, 100.0)
    read = evaluable | known["fish_pct"]
    bad |= read & known["fish_pct"] & ~_within(fish, 100.0)
    bad |= read & known["fish_nuclei"] & (nuclei < 0)
    bands = [evaluable & (ph <= upper) for upper, _ in CYTOGENETIC_BANDS]
    fish_ccyr = ~evaluable & known["fish_pct"] & known["fish_nuclei"] & (nuclei >= FISH_MIN_NUCLEI) \
        & (fish < FISH_CCYR_BELOW)
    cyto = _choose([*bands, evaluable, fish_ccyr], [c for _, c in CYTOGENETIC_BANDS] + [NO_RESPONSE, "CCyR"], n)
    ph_value = np.where(evaluable, ph, np.where(fish_ccyr, 0.0, np.nan))

    # Molecular (responses.molecular)
    bcr, copies = col["bcr_abl1_is_pct"], col["abl1_copies"]
    undetectable = bcr == 0
    measured = known["bcr_abl1_is_pct"] & ~(undetectable & ~(copies >= MIN_COPIES_UNDETECTABLE))
    bad |= measured & ~_within(bcr, LIMITS["bcr_abl1_is_pct"])
    bad |= measured & known["abl1_copies"] & (np.trunc(copies) < 0)
    whole = np.trunc(copies)
    depth = _choose([measured & undetectable & (whole >= c) for _, _, c in MOLECULAR_DEPTHS[:3]]
                    + [measured & ~undetectable & (bcr <= b) for _, b, _ in MOLECULAR_DEPTHS],
                    [name for name, _, _ in MOLECULAR_DEPTHS[:3]] + [name for name, _, _ in MOLECULAR_DEPTHS], n)

    # Phase on therapy (phase.phase, ELN rules, platelets not assessed)
    blasts = col["blasts_pct"]
    summed = np.minimum(blasts + col["promyelocytes_pct"], 100.0)
    has_sum = known["blasts_pct"] & known["promyelocytes_pct"]
    bad |= known["blasts_pct"] & ~_within(blasts, 100.0)
    bad |= known["basophils_pct"] & ~_within(baso, 100.0)
    bad |= has_sum & ~(summed >= 0)
    blast_from, accelerated_from = BLASTS["ELN"]
    accelerated = (blasts >= accelerated_from) | (baso >= BASOPHILS_AP_FROM) \
        | (has_sum & (summed > BLASTS_PROMYELOCYTES_AP_ABOVE))
    phase_ = _choose([blasts >= blast_from, accelerated, known["blasts_pct"] & known["basophils_pct"]],
                     ["BP", "AP", "CP"], n)

    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        classify_visit({"date": None, **{c: labs[c].iloc[first] for c in COLUMNS if c in labs}})
        raise ValueError(f"labs row {first}: a value the response rules refuse")  # not reached: the rule raised
    return pd.DataFrame({"chr": chr_, "ph_positive": known["ph_pos_pct"] & (ph > 0), "cyto": cyto,
                         "ph_value": ph_value, "bcr": np.where(measured, bcr, np.nan), "depth": depth,
                         "phase": phase_}, index=labs.index)
