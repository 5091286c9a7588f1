"""The cohort overview: exposure and response over time for every patient passing the filters, as one aggregate
(a cohort of thousands cannot be read lane by lane). Data in (cmltrack.db.queries.cohort_overview), figure out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cmltrack.figures import projector
from cmltrack.figures.palette import DRUGS, GLYPHS, GREY

_EXPOSURE = (("followed", "Followed", GREY, "dot"), ("on_imatinib", "On imatinib", DRUGS["imatinib"][1], "solid"),
             ("on_thalidomide", "On thalidomide", DRUGS["thalidomide"][1], "solid"))
_REACHED = (("reached_chr", "CHR or deeper", GLYPHS["CHR"].color, "solid"),
            ("reached_ccyr", "CCyR or deeper", GLYPHS["CCYR"].color, "solid"),
            ("reached_mmr", "MMR or deeper", "#B8A800", "solid"))  # Okabe-Ito yellow, darkened to read on white


def build_overview(overview: pd.DataFrame, axis_title: str, n_patients: int, scale: float = 1.0) -> go.Figure:
    """Two panels over months since the anchor: patients followed, on imatinib and on thalidomide (counts); and the
    share of the patients followed that month who have reached CHR, CCyR and MMR."""
    if len(overview) and (overview["followed"] > 0).any():  # months nobody is followed in say nothing
        seen = overview.index[overview["followed"] > 0]
        overview = overview.loc[seen.min():seen.max()]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.5, 0.5],
                        subplot_titles=("Patients", "Reached by then (% of patients followed)"))
    x = overview["month"] if len(overview) else []
    for col, name, colour, dash in _EXPOSURE:
        fig.add_trace(go.Scatter(x=x, y=overview[col] if len(overview) else [], name=name, mode="lines",
                                 line=dict(color=colour, width=2.5 * scale, dash=dash), legendgroup="exposure",
                                 legendgrouptitle_text="Exposure",
                                 hovertemplate=f"{name}: %{{y:,}}<extra></extra>"), row=1, col=1)
    followed = overview["followed"].where(overview["followed"] > 0) if len(overview) else pd.Series(dtype=float)
    for col, name, colour, dash in _REACHED:
        share = (100 * overview[col] / followed).round(1) if len(overview) else []
        fig.add_trace(go.Scatter(x=x, y=share, name=name, mode="lines", line=dict(color=colour, width=2.5 * scale,
                                                                                   dash=dash),
                                 legendgroup="response", legendgrouptitle_text="Response",
                                 hovertemplate=f"{name}: %{{y:.1f}}%<extra></extra>"), row=2, col=1)
    fig.add_vline(x=0, line=dict(color="#444444", width=1.2, dash="dash"))
    fig.update_layout(template="plotly_white", height=int(420 * scale), hovermode="x unified",
                      title=dict(text=f"Cohort overview: all {n_patients:,} patients passing the filters", x=0),
                      margin=dict(l=60, r=20, t=70, b=50), font=dict(size=int(12 * scale)),
                      legend=dict(orientation="v", x=1.01, y=1, groupclick="toggleitem"))
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    fig.update_yaxes(range=[0, 100], ticksuffix="%", row=2, col=1)
    fig.update_xaxes(title_text=axis_title, dtick=6, row=2, col=1)
    return projector.enforce(fig) if scale > 1 else fig
