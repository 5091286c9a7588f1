"""Safety figures: grade-stacked bars and onset relative to thalidomide start (data in, figure out)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cmltrack.figures import projector
from cmltrack.figures.palette import AE_GRADE_COLOURS
from cmltrack.figures.plain import plain_text


def grade_bars(table: pd.DataFrame, title: str, axis_title: str, scale: float = 1.0) -> go.Figure:
    """Horizontal bars stacked by CTCAE grade; ``table`` has one row per category and columns 1-5."""
    fig = go.Figure()
    rows = table.index.tolist()[::-1]
    largest = float(table.reindex(columns=[1, 2, 3, 4, 5], fill_value=0).sum(axis=1).max()) if len(table) else 0.0
    for grade in (1, 2, 3, 4, 5):
        values = table.reindex(rows)[grade] if grade in table.columns else pd.Series(0, index=rows)
        if values.sum() == 0:
            continue
        fig.add_trace(go.Bar(y=rows, x=values, orientation="h", name=f"Grade {grade}",
                             marker=dict(color=AE_GRADE_COLOURS[grade], line=dict(color="#333333", width=0.8)),
                             hovertemplate=f"%{{y}}: %{{x}} at grade {grade}<extra></extra>"))
    fig.update_layout(template="plotly_white", barmode="stack", title=dict(text=title, x=0),
                      height=int((140 + 30 * max(len(rows), 1)) * scale), font=dict(size=13 * scale),
                      margin=dict(l=10, r=10, t=60, b=40), legend=dict(orientation="h", y=1.02, yanchor="bottom"),
                      xaxis=dict(title=axis_title, dtick=1 if largest <= 20 else None, tickformat="d"),
                      legend_traceorder="normal")  # a tick per patient only while they are few
    return plain_text(projector.enforce(fig) if scale > 1 else fig)


def onset_strip(onsets: pd.DataFrame, scale: float = 1.0) -> go.Figure:
    """Each event at its onset month (relative to thalidomide start), one row per term, coloured by grade."""
    fig = go.Figure()
    for grade, rows in onsets.groupby("ctcae_grade"):
        fig.add_trace(go.Scatter(x=rows["onset_month"], y=rows["term_label"], mode="markers", name=f"Grade {grade}",
                                 marker=dict(color=AE_GRADE_COLOURS.get(int(grade), "#999999"), size=11 * scale,
                                             symbol="triangle-down", line=dict(color="#333333", width=1)),
                                 hovertemplate="%{y}<br>onset month %{x:.1f}<extra></extra>"))
    fig.add_vline(x=0, line=dict(dash="dash", color="#444444"))
    fig.add_annotation(x=0, y=1, yref="paper", xanchor="left", yanchor="bottom", text="Thalidomide start",
                       showarrow=False)  # above the plot, clear of the markers
    terms = onsets["term_label"].nunique()
    fig.update_layout(template="plotly_white", title=dict(text="Onset relative to thalidomide start", x=0),
                      height=int((160 + 28 * max(terms, 1)) * scale), font=dict(size=13 * scale),
                      margin=dict(l=10, r=10, t=60, b=40), xaxis=dict(title="Months since thalidomide start"),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return plain_text(projector.enforce(fig) if scale > 1 else fig)
