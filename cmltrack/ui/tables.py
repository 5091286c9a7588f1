"""Tables on screen: an interactive grid normally; in presentation mode a static table that a projector shows whole.

The grid (st.dataframe) draws on a canvas at a fixed small size and scrolls inside its own box. On a shared screen
`show` draws st.table instead: HTML, so it takes the page's projector type size and black text, and every row of it
is on the page (no inner scroll box); a table longer than BOARD_ROWS pages. The column labels and number formats of
``column_config`` apply to both.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from cmltrack.privacy.pseudonyms import Pseudonyms, coded_reason, deidentify, month_anchor
from cmltrack.ui import board
from cmltrack.ui.escape import md


def _label(config: Any, column: str) -> str:
    if isinstance(config, str):
        return config
    return (config or {}).get("label") or column.replace("_", " ")  # words wrap in a narrow column; names do not


def _format(config: Any) -> str | None:
    if not isinstance(config, Mapping):
        return None
    fmt = (config.get("type_config") or {}).get("format")
    return fmt if isinstance(fmt, str) and "%" in fmt else None  # printf-style formats only


def _cell(value: object, fmt: str | None) -> str:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return "—"
    if fmt is not None:
        try:
            return fmt % value
        except (TypeError, ValueError):
            pass
    if isinstance(value, float):
        return f"{value:g}"
    return md(value)  # st.table reads cells as Markdown: data is shown as written


def projected(frame: pd.DataFrame, column_config: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """``frame`` as text for st.table: columns named and numbers formatted as ``column_config`` says."""
    config = dict(column_config or {})
    out = pd.DataFrame({_label(config.get(c), c): [_cell(v, _format(config.get(c))) for v in frame[c]]
                        for c in frame.columns})
    return out.set_axis(range(len(out)))


#: Rows a static table shows at a time in presentation mode (as many as the swimmer's lanes on a projector page); a
#: longer table pages, so that 10,000 patients are not drawn as one 10,000-row table nobody can read on a screen.
BOARD_ROWS = 25


def show(frame: pd.DataFrame, column_config: Mapping[str, Any] | None = None, **grid: Any) -> Any:
    """Draw ``frame``: st.dataframe (with ``grid`` options; its selection event is returned) normally; in
    presentation mode a static table with every row of the page shown, BOARD_ROWS rows a page (None is returned)."""
    if board.active():
        st.table(projected(_board_page(frame), column_config), hide_index=True)
        return None
    return st.dataframe(frame, column_config=column_config, hide_index=True, **grid)


def _board_page(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` on the page picked under it (a page picker only above BOARD_ROWS rows)."""
    if len(frame) <= BOARD_ROWS:
        return frame
    pages = math.ceil(len(frame) / BOARD_ROWS)
    columns = hashlib.sha256("|".join(map(str, frame.columns)).encode()).hexdigest()[:10]  # one picker per table
    picker, said = st.columns([1, 4], vertical_alignment="bottom")
    page = int(picker.number_input(f"Rows: page (of {pages:,})", min_value=1, max_value=pages, value=1, step=1,
                                   key=f"board_rows_{columns}") or 1)
    first = (page - 1) * BOARD_ROWS
    said.caption(f"Rows {first + 1:,}-{min(first + BOARD_ROWS, len(frame)):,} of {len(frame):,}.")
    return frame.iloc[first:first + BOARD_ROWS]


def record_table(frame: pd.DataFrame, patient_id: str, thal_start: object, im_start: object,
                 pseudonyms: Pseudonyms | None) -> pd.DataFrame:
    """One patient's table (visits, adverse events, treatment, medications) as it is shown and downloaded: calendar
    dates normally; with ``pseudonyms`` (presentation mode) months since thalidomide (else imatinib) start instead of
    dates and no free text (verbatim terms and indications dropped, stop reasons as categories)."""
    if pseudonyms is None:
        shown = frame.drop(columns="patient_id")
        for column in shown.select_dtypes("datetime").columns:  # calendar dates, not midnight timestamps
            shown[column] = shown[column].dt.date
        return shown
    anchor = month_anchor(thal_start, im_start)
    shown = deidentify(frame, pseudonyms, {patient_id: pd.Timestamp(anchor)}).drop(columns="patient_id")
    shown = shown.drop(columns=[c for c in ("term", "indication") if c in shown])
    if "reason_stopped" in shown:
        shown["reason_stopped"] = shown["reason_stopped"].map(coded_reason)
    return shown
