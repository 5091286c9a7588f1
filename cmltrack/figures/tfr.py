"""Treatment-free remission on the swimmer and the patient course: the time off the TKI after a stop for TFR, in a
shade of its own (light bluish green, hatched), to the restart or the last visit (data in, traces out).

Courses come from cmltrack.db.queries.tfr_for (cmltrack.derive.tfr): start_date (first day off the TKI),
recurrence_date (loss of MMR), recurrence_pct, restart_date, restart_drug, last_visit_date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cmltrack.figures.palette import drug_label
from cmltrack.timeaxis import MONTH_DAYS, months_between

LABEL = "Treatment-free remission (off TKI)"
#: The bar and the band behind the patient course: Okabe-Ito bluish green, light, hatched.
COLOUR, LINE, SHADE = "rgba(0,158,115,0.28)", "#007A5A", "rgba(0,158,115,0.08)"


def periods(courses: pd.DataFrame) -> pd.DataFrame:
    """Each course with ``end`` (the restart, else the last visit: still in TFR) and its course in words:
    months in TFR, and the months to molecular recurrence when it came."""
    start = pd.to_datetime(courses["start_date"])
    restart = pd.to_datetime(courses["restart_date"])
    end = restart.fillna(pd.to_datetime(courses["last_visit_date"])).fillna(start)
    recurrence = pd.to_datetime(courses["recurrence_date"])
    to_recurrence = months_between(start, recurrence)
    words = np.where(recurrence.notna(), "molecular recurrence (loss of MMR) after " + to_recurrence.round(1)
                     .astype(str) + " months, " + courses["recurrence_pct"].map(lambda v: f"{v:.3g}% IS").astype(str),
                     "no loss of MMR")
    words = words + np.where(restart.notna(), "; TKI restarted after " + months_between(start, restart).round(1)
                             .astype(str) + " months", "; still off TKI at the last visit")
    return courses.assign(start=start, end=end.where(end >= start, start), words=words)


def _when(dates: pd.Series, months: pd.Series, board: bool) -> pd.Series:
    if not board:
        return pd.to_datetime(dates).dt.strftime("%Y-%m-%d").fillna("")
    return "month " + months.round(1).astype(str)


def swimmer_trace(placed: pd.DataFrame, board: bool, y_offset: float, width: float) -> go.Bar:
    """One bar per course on its lane's TKI row; ``placed``: courses with the lane's y, label and anchor date
    (``_anchor``), as the swimmer places its rows."""
    p = periods(placed)
    x0, x1 = months_between(p["_anchor"], p["start"]), months_between(p["_anchor"], p["end"])
    custom = np.column_stack([p["label"], _when(p["start"], x0, board), p["words"]])
    return go.Bar(orientation="h", y=p["y"] + y_offset, base=x0, x=(x1 - x0).clip(lower=0.1), width=width,
                  name=LABEL, legendgroup="tfr", legendgrouptitle_text="Treatment-free remission",
                  marker=dict(color=COLOUR, line=dict(width=1, color=LINE), pattern=dict(shape="/", fgcolor=LINE,
                                                                                       size=5)),
                  customdata=custom, hovertemplate="<b>%{customdata[0]}</b><br>Treatment-free remission from "
                  "%{customdata[1]}<br>%{customdata[2]}<extra></extra>")


def shade_patient(fig: go.Figure, courses: pd.DataFrame, anchor: pd.Timestamp, board: bool, lane: str,
                  row: int = 1) -> None:
    """The patient course: each TFR period shaded behind every row, labelled, and a hatched bar in ``lane`` (the
    row of the TKI stopped) whose hover tells the course."""
    p = periods(courses)
    x0 = (p["start"] - anchor).dt.days / MONTH_DAYS
    x1 = (p["end"] - anchor).dt.days / MONTH_DAYS
    for a, b in zip(x0, x1):
        fig.add_vrect(x0=a, x1=max(b, a + 0.1), fillcolor=SHADE, line_width=0, layer="below", row="all", col=1)
        fig.add_annotation(x=a, y=1, xref="x", yref="y domain", xanchor="left", yanchor="top", showarrow=False,
                           text="<b>TFR</b>", font=dict(size=11, color=LINE))
    custom = np.column_stack([p["drug"].map(drug_label), _when(p["start"], x0, board), p["words"]])
    fig.add_trace(go.Bar(orientation="h", y=[lane] * len(p), base=x0, x=(x1 - x0).clip(lower=0.1), width=0.6,
                         name=LABEL, legendgroup="tfr", legendgrouptitle_text="Treatment-free remission",
                         marker=dict(color=COLOUR, line=dict(width=1, color=LINE),
                                     pattern=dict(shape="/", fgcolor=LINE, size=5)),
                         customdata=custom, hovertemplate="<b>Treatment-free remission</b> (%{customdata[0]} "
                         "stopped)<br>from %{customdata[1]}<br>%{customdata[2]}<extra></extra>"), row=row, col=1)
