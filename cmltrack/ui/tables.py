"""Tables on screen: an interactive grid normally; in presentation mode a static table that a projector shows whole.

The grid (st.dataframe) draws on a canvas at a fixed small size and scrolls inside its own box. On a shared screen
`show` draws st.table instead: HTML, so it takes the page's projector type size and black text, and every row is on
the page (no inner scroll box). The column labels and number formats of ``column_config`` apply to both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

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


def show(frame: pd.DataFrame, column_config: Mapping[str, Any] | None = None, **grid: Any) -> Any:
    """Draw ``frame``: st.dataframe (with ``grid`` options; its selection event is returned) normally; every row as
    a static table in presentation mode (None is returned)."""
    if board.active():
        st.table(projected(frame, column_config), hide_index=True)
        return None
    return st.dataframe(frame, column_config=column_config, hide_index=True, **grid)
