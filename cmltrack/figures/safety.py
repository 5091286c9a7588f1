"""Safety figures: grade-stacked bars and onset relative to thalidomide start (data in, figure out)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cmltrack.figures import projector
from cmltrack.figures.palette import AE_GRADE_COLOURS, drug_label
from cmltrack.figures.plain import plain_text

#: Onset markers of one term within this many months of each other are spread apart vertically.
ONSET_NEAR = 0.15


def _title_and_legend(title: str) -> dict:
    """A title on the left and a one-row legend on the right, both above the plot, never on each other."""
    return dict(title=dict(text=title, x=0, xanchor="left", y=1, yref="container", yanchor="top", pad_t=8),
                legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))


def grade_bars(table: pd.DataFrame, title: str, axis_title: str, scale: float = 1.0,
               drugs: bool = False) -> go.Figure:
    """Horizontal bars stacked by CTCAE grade; ``table`` has one row per category and columns 1-5. ``drugs``: the
    categories are drug names (shown by their display name, e.g. Thalidomide)."""
    fig = go.Figure()
    if drugs:
        table = table.rename(index=lambda d: drug_label(str(d)))
    rows = table.index.tolist()[::-1]
    largest = float(table.reindex(columns=[1, 2, 3, 4, 5], fill_value=0).sum(axis=1).max()) if len(table) else 0.0
    for grade in (1, 2, 3, 4, 5):
        values = table.reindex(rows)[grade] if grade in table.columns else pd.Series(0, index=rows)
        if values.sum() == 0:
            continue
        fig.add_trace(go.Bar(y=rows, x=values, orientation="h", name=f"Grade {grade}",
                             marker=dict(color=AE_GRADE_COLOURS[grade], line=dict(color="#333333", width=0.8)),
                             hovertemplate=f"%{{y}}: %{{x}} at grade {grade}<extra></extra>"))
    fig.update_layout(template="plotly_white", barmode="stack", **_title_and_legend(title),
                      height=int((150 + 30 * max(len(rows), 1)) * scale), font=dict(size=13 * scale),
                      margin=dict(l=10, r=10, t=70, b=40),
                      xaxis=dict(title=axis_title, dtick=1 if largest <= 20 else None, tickformat=",d"),
                      legend_traceorder="normal")  # a tick per patient only while they are few
    return plain_text(projector.enforce(fig) if scale > 1 else fig)


def _clusters(onsets: pd.DataFrame, rows: dict[str, int]) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Events by row and onset, each one's place in its cluster (events of one term within ONSET_NEAR months) and
    its cluster's size."""
    order = onsets.assign(_row=onsets["term_label"].map(rows)).sort_values(["_row", "onset_month"], kind="stable")
    new = order["_row"].ne(order["_row"].shift()) | order["onset_month"].diff().gt(ONSET_NEAR)
    cluster = new.cumsum()
    return order, order.groupby(cluster).cumcount(), order.groupby(cluster)["_row"].transform("size")


#: Markers spread within a row ONSET_PX apart (they are 11 px wide) on at most MAX_SLOTS heights; a row is at least
#: ROW_PX high.
ONSET_PX, ROW_PX, MAX_SLOTS = 12, 34, 8


def onset_strip(onsets: pd.DataFrame, scale: float = 1.0) -> go.Figure:
    """Each event at its onset month (relative to thalidomide start), one row per term, coloured by grade; events
    close in time on one row are spread apart so that every event shows."""
    fig = go.Figure()
    terms = list(dict.fromkeys(onsets.sort_values("term_label")["term_label"]))
    rows = {t: i for i, t in enumerate(terms)}
    order, rank, size = _clusters(onsets, rows)
    slots = size.clip(upper=MAX_SLOTS)  # a crowd (thousands of patients) cycles through MAX_SLOTS heights
    crowd = int(slots.max()) if len(slots) else 1
    row_px = max(ROW_PX, ONSET_PX * crowd + 10)  # rows grow so that the largest cluster fits its row
    y = (order["_row"] + ((rank % slots) - (slots - 1) / 2) * ONSET_PX / row_px).reindex(onsets.index)
    for grade, rows_ in onsets.groupby("ctcae_grade"):
        fig.add_trace(go.Scatter(x=rows_["onset_month"], y=y[rows_.index], mode="markers", name=f"Grade {grade}",
                                 marker=dict(color=AE_GRADE_COLOURS.get(int(grade), "#999999"), size=11 * scale,
                                             symbol="triangle-down", line=dict(color="#333333", width=1)),
                                 customdata=rows_["term_label"],
                                 hovertemplate="%{customdata}<br>onset month %{x:.1f}<extra></extra>"))
    fig.add_vline(x=0, line=dict(dash="dash", color="#444444"))
    fig.add_annotation(x=0, y=-0.85, yref="y", xanchor="left", yanchor="middle", xshift=4, text="Thalidomide start",
                       showarrow=False)  # in a row of its own above the first term: clear of every marker
    fig.update_layout(template="plotly_white", **_title_and_legend(
                          f"Onset relative to thalidomide start ({len(onsets):,} events)"),
                      height=int((190 + row_px * (max(len(terms), 1) + 0.75)) * scale), font=dict(size=13 * scale),
                      margin=dict(l=10, r=10, t=70, b=40), xaxis=dict(title="Months since thalidomide start"),
                      yaxis=dict(tickmode="array", tickvals=list(range(len(terms))), ticktext=terms,
                                 range=[len(terms) - 0.5, -1.25], showgrid=True, zeroline=False))
    return plain_text(projector.enforce(fig) if scale > 1 else fig)
