"""De-identification for presentation mode: pseudonyms and times relative to an anchor (pure).

Pseudonyms are a random permutation drawn from a random seed per browser session (never derived from an MRN, name or
patient id), so the same patient keeps one pseudonym for that browser session and gets another in the next. The same
seed over the same set of patient ids draws the same pseudonyms again, which lets a browser that reconnects to a new
server session keep their meaning. Dates become months since the patient's thalidomide start (imatinib start when
there is none).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from cmltrack.timeaxis import months_between

#: Columns that identify a person and never reach a de-identified screen.
IDENTIFYING_COLUMNS: tuple[str, ...] = ("mrn", "display_name", "birth_date")


class Pseudonyms:
    """A two-way map between patient ids and pseudonyms P-001, P-002, ... in random order."""

    def __init__(self, patient_ids: Iterable[str], seed: int) -> None:
        patient_ids = list(patient_ids)
        self.seed = seed
        #: The id set of the first draw: the same seed over ids of this digest gives these pseudonyms again.
        self.digest = id_set_digest(patient_ids)
        self._rng = random.Random(seed)
        self._width = max(3, len(str(len(set(patient_ids)))))
        self.forward: dict[str, str] = {}
        self.backward: dict[str, str] = {}
        self.extend(patient_ids)

    def extend(self, patient_ids: Iterable[str]) -> None:
        """Give new patients the next numbers (in random order); existing pseudonyms never change."""
        new = sorted(set(patient_ids) - set(self.forward))
        self._rng.shuffle(new)
        for pid in new:
            pseudonym = f"P-{len(self.forward) + 1:0{self._width}d}"
            self.forward[pid], self.backward[pseudonym] = pseudonym, pid

    def __call__(self, patient_id: str) -> str:
        """The pseudonym of ``patient_id`` ('P-?' for an id not known when the map was drawn)."""
        return self.forward.get(patient_id, "P-?")

    def real(self, pseudonym: str) -> str | None:
        """The patient id behind ``pseudonym``, or None."""
        return self.backward.get(pseudonym)


def id_set_digest(patient_ids: Iterable[str]) -> str:
    """A short one-way fingerprint of a set of patient ids (order and repeats ignored): it names no patient."""
    return hashlib.sha256("\n".join(sorted(set(patient_ids))).encode()).hexdigest()[:16]


def month_anchor(thal_start: Any, im_start: Any) -> Any:
    """The date a patient's de-identified times count months from: thalidomide start, else imatinib start. Takes one
    patient's two dates, or two columns of them (a column is returned)."""
    if isinstance(thal_start, pd.Series):
        return thal_start.fillna(im_start)
    return thal_start if pd.notna(thal_start) else im_start


def deidentify(frame: pd.DataFrame, pseudonyms: Pseudonyms, anchors: Mapping[str, pd.Timestamp]) -> pd.DataFrame:
    """``frame`` without identifying columns, patient ids replaced by pseudonyms, and every date column replaced by
    '<column> (month)': months since the row's patient's anchor date."""
    out = frame.drop(columns=[c for c in IDENTIFYING_COLUMNS if c in frame.columns])
    anchor = out["patient_id"].map(anchors) if "patient_id" in out else None
    for column in list(out.columns):
        values = out[column]
        if pd.api.types.is_datetime64_any_dtype(values) or _holds_dates(values):
            if anchor is None:
                out = out.drop(columns=column)
                continue
            out[column] = months_between(pd.to_datetime(anchor), pd.to_datetime(values)).round(1)
            out = out.rename(columns={column: f"{column} (month)"})
    if "patient_id" in out:
        out["patient_id"] = out["patient_id"].map(pseudonyms)
    return out


def _holds_dates(values: pd.Series) -> bool:
    sample = values.dropna().head(5)
    return len(sample) > 0 and all(hasattr(v, "year") and hasattr(v, "month") for v in sample)


#: Free-text stop reasons shown in presentation mode only as one of these categories (free text can name people).
REASON_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("progress", "progression"), ("blast", "progression"), ("interrupt", "interruption"),
    ("adverse", "adverse event"), ("toxic", "adverse event"), ("intoleran", "adverse event"),
    ("dose", "dose change"), ("complete", "completed"), ("death", "death"), ("died", "death"),
)


def coded_reason(text: object) -> str:
    """A free-text reason reduced to a fixed category ('' when there is none)."""
    if not isinstance(text, str) or not text.strip():
        return ""
    lower = text.lower()
    return next((category for key, category in REASON_CATEGORIES if key in lower), "other")


#: Shown in presentation mode for an adverse event recorded without a MedDRA preferred term.
UNCODED_AE = "adverse event (not coded)"


def ae_label(meddra_pt: pd.Series, term: pd.Series, board: bool) -> pd.Series:
    """What an adverse event is called on screen: its MedDRA preferred term, else the verbatim term, except in
    presentation mode, where verbatim text (which can name people or dates) is replaced by a fixed label."""
    return meddra_pt.fillna(UNCODED_AE if board else term)
