"""Drug names as stored: lower case, and every spelling of a placebo ("PLACEBO TABLET", "Placebo patch", "matching
placebo", "placebo to match imatinib") stored as the one name whose 0 mg segments are kept (cmltrack.db.schema)."""

from __future__ import annotations

import re

import pandas as pd

from cmltrack.db.schema import PLACEBO

#: A name holding the word placebo is a placebo, unless it also names a combination ("drug X or placebo",
#: "imatinib + placebo"): then an active drug may be in it, and it keeps its own name.
_PLACEBO = re.compile(r"\bplacebo\b")
_COMBINATION = re.compile(r"\b(?:or|and|plus|with)\b|[+/&]")


def stored_names(names: pd.Series) -> tuple[pd.Series, dict[str, int]]:
    """(the names as stored, {original spelling: records} of the spellings read as placebo)."""
    text = names.astype("string").str.strip().str.lower()
    placebo = (text.str.contains(_PLACEBO) & ~text.str.contains(_COMBINATION)).fillna(False).astype(bool)
    renamed = placebo & (text != PLACEBO).fillna(False).astype(bool)
    spellings = names[renamed].astype(str).str.strip().value_counts().to_dict()
    out = text.astype(object).where(text.notna(), None)
    out[placebo] = PLACEBO
    return out, spellings


def placebo_note(label: str, spellings: dict[str, int]) -> list[str]:
    """The note saying which spellings were read as placebo (none when there were none)."""
    if not spellings:
        return []
    listed = ", ".join(f"{name!r} ({n})" for name, n in sorted(spellings.items()))
    return [f"{label}: {listed} stored as placebo (0 mg segments kept, drawn as placebo)"]
