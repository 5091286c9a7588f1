"""CSV for spreadsheets: text that Excel or LibreOffice would run as a formula is written so that it shows as text.

A cell beginning with = + - @ (or a tab or carriage return, which some spreadsheets skip before reading such a
character) is a formula to a spreadsheet, e.g. an adverse-event term ``=cmd|'/c calc'!A0`` (CSV injection, OWASP
"CSV Injection"). Such text cells get a leading apostrophe, which both programs read as "this cell is text".
Numbers are left alone (-1.5 stays a number).
"""

from __future__ import annotations

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def defused(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell that starts like a formula prefixed with an apostrophe."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        text = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
        if text.any():
            out[column] = values.where(~text, "'" + values[text].astype(str))
    return out


def spreadsheet_csv(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV (with a byte-order mark, so Excel reads the accents) safe to open in a spreadsheet."""
    return defused(frame).to_csv(index=False).encode("utf-8-sig")
