"""Data shown in a figure as plain text, never as Plotly's HTML.

Plotly draws the tags `<a href>`, `<b>`, `<span style>`... found in any text it shows: axis ticks, category labels,
trace names and the values a hover template inserts. A patient ID or an adverse-event term holding
`<a href="https://evil.example/login">...</a>` would become a link on the chart and in the exported HTML page.
`plain_text` escapes `&`, `<` and `>` in every data string of a figure (Plotly shows the entities as the characters
themselves); the templates, titles and annotations the builders write keep their markup.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import plotly.graph_objects as go

#: Trace properties that carry data strings (customdata feeds hover templates).
TRACE_FIELDS = ("x", "y", "text", "hovertext", "customdata", "name")
#: Axis properties that carry them.
AXIS_FIELDS = ("ticktext", "categoryarray")


def escaped(value: Any) -> Any:
    """A string with `&`, `<`, `>` as entities; any other value as it is (arrays and lists element by element)."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OUS":
            return np.vectorize(escaped, otypes=[object])(value) if value.size else value
        return value
    if isinstance(value, list | tuple):
        return type(value)(escaped(v) for v in value)
    return value


_MARKUP = frozenset("&<>")


def _has_markup(value: Any) -> bool:
    """Whether a value holds a string with `&`, `<` or `>` (arrays and lists element by element)."""
    if isinstance(value, str):
        return not _MARKUP.isdisjoint(value)
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "OUS" and any(_has_markup(v) for v in value.ravel())
    if isinstance(value, list | tuple):
        return any(_has_markup(v) for v in value)
    return False


def plain_text(fig: go.Figure) -> go.Figure:
    """Escape the data strings of ``fig`` in place (see the module docstring) and return it. Properties without a
    `&`, `<` or `>` are left untouched (setting one makes Plotly validate it again)."""
    for trace in fig.data:
        for name in TRACE_FIELDS:
            if name in trace and _has_markup(trace[name]):
                trace[name] = escaped(trace[name])
    for axis in [k for k in fig.layout if k.startswith(("xaxis", "yaxis"))]:
        for name in AXIS_FIELDS:
            if _has_markup(fig.layout[axis][name]):
                fig.layout[axis][name] = escaped(fig.layout[axis][name])
    return fig


def unescaped(value: str) -> str:
    """The data string a figure sent back (a click's customdata) as it is in the database."""
    return html.unescape(value)
