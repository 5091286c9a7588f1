"""Projector-grade chart text for presentation mode: every text at least 18 px and black (pure, no Streamlit).

A tumour board reads the charts on a shared projector from across a room. Figure builders given a ``scale`` above 1
(presentation mode) finish with `enforce`, which raises every text size of the figure below MIN_PX and makes text
black. Text inside filled bars keeps Plotly's automatic contrast (white on dark shades), and a bar label that cannot
fit at MIN_PX is hidden rather than shrunk (`uniformtext`): hover still gives it. `text_properties` lists every
text-bearing property with the size and colour it is drawn at, inheritance resolved, for tests and checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import plotly.graph_objects as go

MIN_PX = 18
INK = "#000000"
#: Plotly.js defaults when nothing sets a size: layout.font 12 px, hover labels 13 px.
_PLOTLY_FONT_PX, _PLOTLY_HOVER_PX = 12, 13
_AXIS = re.compile(r"[xy]axis\d*$")


@dataclass(frozen=True)
class TextProperty:
    """One text-bearing property of a figure as drawn: where it is, its size in px and its colour (None: Plotly's
    automatic contrast, for text inside bars)."""

    path: str
    size: float
    color: str | None


def _font(parent: dict, key: str = "font") -> dict:
    return parent.get(key) or {}


def _axes(spec: dict) -> list[str]:
    """The axes a figure draws: those its layout sets and those its traces use (a default x and y axis)."""
    used = {k for k in spec.get("layout", {}) if _AXIS.match(k)}
    for trace in spec.get("data") or ():
        if trace.get("type", "scatter") in ("scatter", "bar", "scattergl", "histogram", "box"):
            used |= {"xaxis" + trace.get("xaxis", "x")[1:], "yaxis" + trace.get("yaxis", "y")[1:]}
    return sorted(used)


def text_properties(fig: go.Figure) -> Iterator[TextProperty]:
    """Every text-bearing property of ``fig`` (layout font, title, legend, hover labels, axis ticks and titles,
    annotations, trace text and legend group titles) with the size and colour it inherits or sets."""
    spec = fig.to_plotly_json()
    layout = spec.get("layout", {})
    base = _font(layout)
    size, color = base.get("size", _PLOTLY_FONT_PX), base.get("color", "#444444")

    def of(path: str, font: dict, parent_size: float = size, parent_color: str | None = color) -> TextProperty:
        return TextProperty(path, font.get("size", parent_size), font.get("color", parent_color))

    yield of("layout.font", base)
    if (layout.get("title") or {}).get("text"):
        yield of("layout.title.font", _font(layout["title"]))
    legend = layout.get("legend") or {}
    legend_font = of("layout.legend.font", _font(legend))
    yield legend_font
    group_title = of("layout.legend.grouptitlefont", _font(legend, "grouptitlefont"), legend_font.size,
                     legend_font.color)
    yield group_title
    hover = _font(layout.get("hoverlabel") or {})
    yield of("layout.hoverlabel.font", hover, hover.get("size", _PLOTLY_HOVER_PX))
    for key in _axes(spec):
        axis = layout.get(key) or {}
        if axis.get("showticklabels", True) and axis.get("visible", True):
            yield of(f"layout.{key}.tickfont", _font(axis, "tickfont"))
        if (axis.get("title") or {}).get("text"):
            yield of(f"layout.{key}.title.font", _font(axis["title"]))
    for i, note in enumerate(layout.get("annotations") or ()):
        if note.get("text"):
            yield of(f"layout.annotations[{i}].font", _font(note))
    for i, trace in enumerate(spec.get("data") or ()):
        name = f"data[{i}] ({trace.get('name', trace.get('type'))})"
        text_font = _font(trace, "textfont")
        has_text = trace.get("text") is not None or trace.get("texttemplate") or "text" in str(trace.get("mode", ""))
        if has_text:
            inside = trace.get("type") == "bar" and trace.get("textposition") in ("inside", "auto", None)
            yield of(f"{name}.textfont", text_font, size, None if inside and "color" not in text_font else color)
        if (trace.get("legendgrouptitle") or {}).get("text"):
            yield of(f"{name}.legendgrouptitle.font", _font(trace["legendgrouptitle"]), group_title.size,
                     group_title.color)
        trace_hover = _font(trace.get("hoverlabel") or {})
        if trace_hover:
            yield of(f"{name}.hoverlabel.font", trace_hover, hover.get("size", _PLOTLY_HOVER_PX))


def _raised(font: object, min_px: float) -> dict:
    """The font settings with a size of at least ``min_px`` and black text."""
    size = getattr(font, "size", None)
    return {"size": max(size or 0, min_px), "color": INK}


def enforce(fig: go.Figure, min_px: float = MIN_PX) -> go.Figure:
    """Make every text of ``fig`` at least ``min_px`` and black, in place; return ``fig``."""
    layout = fig.layout
    layout.font.update(_raised(layout.font, min_px))
    layout.title.font.update(_raised(layout.title.font, min_px))
    layout.legend.font.update(_raised(layout.legend.font, min_px))
    layout.legend.grouptitlefont.update(_raised(layout.legend.grouptitlefont, min_px))
    layout.hoverlabel.font.update(_raised(layout.hoverlabel.font, min_px))
    layout.uniformtext.update(minsize=min_px, mode="hide")  # a bar label that does not fit is hidden, not shrunk
    if layout.title.text and layout.legend.orientation == "h" and (layout.legend.y or 0) >= 1:
        # a title and a legend row above the plot: the title at the top, the legend under it, both whole
        layout.title.update(y=1, yref="container", yanchor="top", pad_t=6)
        layout.margin.t = max(layout.margin.t or 0, round(3.5 * min_px) + 12)
    for key in _axes(fig.to_plotly_json()):
        axis = layout[key]
        axis.tickfont.update(_raised(axis.tickfont, min_px))
        axis.title.font.update(_raised(axis.title.font, min_px))
    for note in layout.annotations:
        note.font.update(_raised(note.font, min_px))
    for trace in fig.data:
        if "textfont" in trace:
            inside_bar = trace.type == "bar" and trace.textposition in ("inside", "auto", None)
            trace.textfont.update(size=max(trace.textfont.size or 0, min_px))
            if not inside_bar:  # inside a bar Plotly picks black or white against the bar's shade
                trace.textfont.color = INK
        if "legendgrouptitle" in trace and trace.legendgrouptitle.text:
            trace.legendgrouptitle.font.update(_raised(trace.legendgrouptitle.font, min_px))
        if "hoverlabel" in trace and trace.hoverlabel.font.size is not None:
            trace.hoverlabel.font.update(_raised(trace.hoverlabel.font, min_px))
    return fig
