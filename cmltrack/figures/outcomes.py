"""Kaplan-Meier figure with confidence bands, censoring marks and a numbers-at-risk table (data in, figure out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cmltrack.analysis.stats import at_risk_at, cumulative_incidence, kaplan_meier
from cmltrack.figures import projector
from cmltrack.figures.palette import OKABE_ITO
from cmltrack.figures.plain import plain_text

COLOURS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"], OKABE_ITO["reddish_purple"])
DASHES = ("solid", "dash", "dot", "dashdot")
#: Each group's 95% band is hatched in its own direction and edged in its own colour, so that two overlapping
#: bands read as two (a cross-hatch where they overlap), not as one grey block.
HATCHES = ("/", "\\", "|", "-")
#: Above this many distinct censoring times a curve's tick marks would smear into a band: they are not drawn, and
#: the numbers at risk carry the censoring (the legend says so).
MAX_CENSOR_TICKS = 150


def km_figure(groups: dict[str, pd.DataFrame], title: str, competing: bool = False, scale: float = 1.0,
              x_title: str = "Months since thalidomide start", y_title: str | None = None) -> go.Figure:
    """One curve per group (a frame of duration and event).

    Default: Kaplan-Meier of remaining free of the event (event 1; 0 censored) with its 95% band. ``competing``:
    cumulative incidence of event 1 with event 2 competing (Aalen-Johansen), drawn rising, without a band.
    """
    fig = make_subplots(rows=2, cols=1, row_heights=[0.8, 0.2], shared_xaxes=True, vertical_spacing=0.1)
    x_max = max([float(g["duration"].max()) for g in groups.values() if len(g)] + [1.0])
    ticks = list(np.arange(0, x_max + 3, 3))
    for i, (name, g) in enumerate(groups.items()):
        if g.empty:
            continue
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]
        events = int((g["event"] == 1).sum())
        if competing:
            km = cumulative_incidence(g["duration"], g["event"])
            y = km["incidence"]
            lo = hi = y
            label = f"{name} (n = {len(g):,}, reached {events:,}, competing {int((g['event'] == 2).sum()):,})"
        else:
            km = kaplan_meier(g["duration"], g["event"] == 1)
            y, lo, hi = km["survival"], km["lower"], km["upper"]
            label = f"{name} (n = {len(g):,}, events {events:,})"
            edge = dict(width=1, shape="hv", color=_rgba(colour, 0.7), dash="dot")
            fig.add_trace(go.Scatter(x=km["time"], y=hi * 100, mode="lines", line=edge,
                                     showlegend=False, hoverinfo="skip", legendgroup=name), row=1, col=1)
            fig.add_trace(go.Scatter(x=km["time"], y=lo * 100, mode="lines", line=edge,
                                     fill="tonexty", fillcolor=_rgba(colour, 0.06), showlegend=False,
                                     fillpattern=dict(shape=HATCHES[i % len(HATCHES)], fgcolor=_rgba(colour, 0.45),
                                                      bgcolor="rgba(0,0,0,0)", size=8, solidity=0.15),
                                     hoverinfo="skip", legendgroup=name), row=1, col=1)
        censored = g[g["event"] == 0]
        times = censored["duration"].round(2).drop_duplicates()  # one tick per time: a tick is a time, not a count
        if len(times) > MAX_CENSOR_TICKS:
            censored = censored.iloc[0:0]
            label += f"; {int((g['event'] == 0).sum()):,} censored (see at risk)"
        else:
            censored = censored.loc[times.index]
        fig.add_trace(go.Scatter(x=km["time"], y=y * 100, mode="lines", name=label, legendgroup=name,
                                 line=dict(color=colour, width=2.5 * scale, shape="hv", dash=dash),
                                 customdata=np.column_stack([km["at_risk"], lo * 100, hi * 100]),
                                 hovertemplate=f"{name}<br>month %{{x:.1f}}: %{{y:.0f}}%"
                                               + ("" if competing else " (95% CI %{customdata[1]:.0f}"
                                                  "-%{customdata[2]:.0f}%)") + "<br>at risk %{customdata[0]}"
                                               "<extra></extra>"),
                      row=1, col=1)
        if len(censored):
            # the curve's height at each censoring time: the last step at or before it (times ascending)
            last = np.searchsorted(np.asarray(km["time"], dtype=float), censored["duration"].to_numpy(float), "right")
            at = (np.asarray(y, dtype=float)[last - 1] * 100).tolist()
            fig.add_trace(go.Scatter(x=censored["duration"], y=at, mode="markers", name=f"{name}: censored",
                                     legendgroup=name, showlegend=False, hoverinfo="skip",
                                     marker=dict(symbol="line-ns-open", size=10 * scale, color=colour,
                                                 line=dict(width=2))), row=1, col=1)
        fig.add_trace(go.Scatter(x=ticks, y=[name] * len(ticks), mode="text", showlegend=False, hoverinfo="skip",
                                 text=[f"{n:,}" for n in at_risk_at(g["duration"], ticks)],
                                 textfont=dict(color=colour, size=12 * scale)), row=2, col=1)
    fig.update_layout(template="plotly_white", height=int(520 * scale), title=dict(text=title, x=0),
                      margin=dict(l=10, r=10, t=60, b=50), font=dict(size=13 * scale),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    fig.update_yaxes(title_text=y_title or ("Cumulative incidence (%)" if competing else "Still on thalidomide (%)"),
                     range=[-2, 102], row=1, col=1)
    rows = max(len([g for g in groups.values() if len(g)]), 1)  # first group on top, text not clipped at the edges
    fig.update_yaxes(title_text="Number at risk", range=[rows - 0.4, -0.6], showgrid=False, row=2, col=1)
    fig.update_xaxes(title_text=x_title, dtick=3, range=[-0.7, x_max + 0.5], row=2, col=1)
    return plain_text(projector.enforce(fig) if scale > 1 else fig)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"
