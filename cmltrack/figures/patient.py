"""One patient's course on one shared time axis (data in, figure out).

Rows, top to bottom: drug exposure (a lane per drug, a bar per constant dose, labelled); responses, losses and
progression; adverse events as intervals coloured by CTCAE grade; BCR::ABL1 IS on a log axis with the MMR, MR4 and
MR4.5 lines and the ELN milestone bands of the TKI line; Ph+ metaphases; WBC, platelets and haemoglobin.
Accelerated and blast phase periods are shaded across every row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cmltrack.clinical import milestones
from cmltrack.clinical.timeline import visit_phase
from cmltrack.figures import projector
from cmltrack.figures.palette import AE_GRADE_COLOURS, GLYPHS, OKABE_ITO, SEVERITY_WORDS, dose_shade, drug_label
from cmltrack.privacy.pseudonyms import ae_label, coded_reason
from cmltrack.timeaxis import ANCHORS, MONTH_DAYS, months_between

ROWS = ("Treatment", "Response", "Adverse events", "BCR::ABL1 IS (%)", "Ph+ metaphases (%)", "WBC (x10^9/L)",
        "Platelets (x10^9/L)", "Hb (g/L)")
#: The board's view of a course (``compact``): these rows only, COMPACT_PX high in all, so that the course, the facts
#: and the open question fit one 1080p screen.
COMPACT_ROWS, COMPACT_PX = ROWS[:4], 600
#: A dose label needs this share of the time axis to be read at projector size (about 70 px of the 1,200 px wide
#: plot a 1080p projector gives); a shorter bar goes unlabelled (its dose is in the legend's shade and on hover)
#: rather than carry shrunken text.
BOARD_LABEL_SHARE = 70 / 1200
#: BCR::ABL1 axis: 0.001% to 100% (values above 100% are drawn at the top edge, their value on hover).
BCR_RANGE = (-3.3, 2.3)
DEPTH_LINES = (0.1, 0.01, 0.0032)  # MMR, MR4, MR4.5 (named on the axis ticks)
PHASE_SHADE = {"AP": "rgba(230,159,0,0.14)", "BP": "rgba(213,94,0,0.20)"}
#: The legend group of what is drawn behind the data: ELN zones, AP/BP shading, the molecular response levels.
REFERENCE = "Zones and levels"
ELN_SHADE = {"warning": "rgba(240,228,66,0.22)", "failure": "rgba(213,94,0,0.13)"}


def _legend_only(fig: go.Figure, name: str, group: str, color: str, symbol: str = "square",
                 line_color: str = "#555555") -> None:
    """A legend entry for what is drawn as a shape (shaded zones and phases): the legend explains every mark."""
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name, legendgroup=group,
                             legendgrouptitle_text=group, hoverinfo="skip",
                             marker=dict(symbol=symbol, size=14, color=color, line=dict(color=line_color, width=1))),
                  row=1, col=1)


def _x(anchor: pd.Timestamp, dates: pd.Series) -> pd.Series:
    return months_between(pd.Series(anchor, index=dates.index), dates)


@dataclass(frozen=True)
class _Clock:
    """The time axis of one figure: its anchor date, and whether hover text may show calendar dates."""

    anchor: pd.Timestamp
    calendar: bool

    def x(self, dates: pd.Series) -> pd.Series:
        return _x(self.anchor, dates)

    def fmt(self, dates: pd.Series) -> pd.Series:
        """Hover text: calendar dates, or (presentation mode) months since the anchor."""
        if self.calendar:
            return pd.to_datetime(dates).dt.strftime("%Y-%m-%d").fillna("ongoing")
        months = self.x(pd.to_datetime(dates))
        return ("month " + months.round(1).astype(str)).where(pd.to_datetime(dates).notna(), "ongoing")


def _exposure(fig: go.Figure, segments: pd.DataFrame, clock: _Clock, last: pd.Timestamp,
              span: float | None = None) -> list[str]:
    """A lane per drug, a bar per dose; with ``span`` (months on the axis, presentation mode) bars shorter than
    BOARD_LABEL_SHARE of it carry no dose label."""
    drugs = sorted(segments["drug"].unique(), key=lambda d: (d not in ("imatinib", "thalidomide"), d))
    end = (pd.to_datetime(segments["end_date"]) + pd.Timedelta(days=1)).fillna(last)
    seg = segments.assign(x0=clock.x(segments["start_date"]), x1=clock.x(end), lane=segments["drug"].map(
        {d: drug_label(d) for d in drugs}))
    for (drug, dose), rows in seg.groupby(["drug", "dose_mg"], sort=False):
        reasons = rows["reason_stopped"].fillna("").astype(str) if clock.calendar else \
            rows["reason_stopped"].map(coded_reason)
        custom = np.column_stack([clock.fmt(rows["start_date"]), clock.fmt(rows["end_date"]), reasons])
        long_enough = (rows["x1"] - rows["x0"]) >= (BOARD_LABEL_SHARE * span if span else 0)
        fig.add_trace(go.Bar(
            orientation="h", y=rows["lane"], base=rows["x0"], x=rows["x1"] - rows["x0"], name=f"{dose:g} mg/d",
            marker=dict(color=dose_shade(drug, dose), line=dict(width=0.5, color="white")),
            legendgroup=drug, legendgrouptitle_text=drug_label(drug),  # the legend names every dose's shade
            text=np.where(long_enough, f"{dose:g} mg", ""), textposition="inside", insidetextanchor="middle",
            # on a projector a label keeps its size (a bar too short for it has none) rather than shrink to fit
            constraintext="none" if span else "inside",
            textfont=dict(size=11), width=0.6, customdata=custom,
            hovertemplate=f"<b>{drug_label(drug)} {dose:g} mg/d</b><br>%{{customdata[0]}} to %{{customdata[1]}}"
                          "<br>%{customdata[2]}<extra></extra>"), row=1, col=1)
    ongoing = seg[seg["end_date"].isna()]
    if len(ongoing):
        g = GLYPHS["ONGOING"]
        fig.add_trace(go.Scatter(x=ongoing["x1"] + 0.3, y=ongoing["lane"], mode="markers", name=g.label,
                                 legendgroup=g.group, legendgrouptitle_text=g.group,
                                 marker=dict(symbol=g.symbol, color=g.color, size=g.size),
                                 hovertemplate="%{y} ongoing at last visit<extra></extra>"), row=1, col=1)
    return [drug_label(d) for d in drugs]


def _responses(fig: go.Figure, events: pd.DataFrame, clock: _Clock, scale: float) -> None:
    ev = events[events["kind"] != "AE"].assign(x=lambda d: clock.x(d["date"]))
    for kind in [k for k in GLYPHS if k in set(ev["kind"])]:
        rows, g = ev[ev["kind"] == kind], GLYPHS[kind]
        fig.add_trace(go.Scatter(
            x=rows["x"], y=[g.group] * len(rows), mode="markers", name=g.label, legendgroup=g.group,
            legendgrouptitle_text=g.group, customdata=clock.fmt(rows["date"]),
            marker=dict(symbol=g.symbol, color=g.color, size=(g.size + 2) * scale,
                        line=dict(color=g.line_color, width=1.2)),
            hovertemplate=f"<b>{g.label}</b><br>%{{customdata}}<extra></extra>"), row=2, col=1)


def _adverse_events(fig: go.Figure, aes: pd.DataFrame, clock: _Clock, last: pd.Timestamp) -> None:
    if aes.empty:
        return
    a = aes.assign(term_label=ae_label(aes["meddra_pt"], aes["term"], not clock.calendar),
                   x0=clock.x(aes["onset_date"]),
                   x1=clock.x((pd.to_datetime(aes["end_date"]) + pd.Timedelta(days=1)).fillna(last)))
    if "grade_source" not in a:
        a = a.assign(grade_source="CTCAE")
    for (source, grade), rows in a.groupby([a["grade_source"].fillna("CTCAE"), "ctcae_grade"]):
        severity = source == "severity"
        label = f"{SEVERITY_WORDS.get(int(grade), grade).capitalize()} (severity)" if severity else f"Grade {grade}"
        graded = (f"{SEVERITY_WORDS.get(int(grade), grade)} severity, no CTCAE grade" if severity
                  else f"grade {grade} (CTCAE %{{customdata[4]}})")
        verbatim = rows["term"] if clock.calendar else rows["term_label"]  # free text stays off a shared screen
        custom = np.column_stack([verbatim, clock.fmt(rows["onset_date"]), clock.fmt(rows["end_date"]),
                                  rows["attributed_drug"].fillna("not attributed"),
                                  rows["ctcae_version"].fillna("?")])
        fig.add_trace(go.Bar(
            orientation="h", y=rows["term_label"], base=rows["x0"], x=(rows["x1"] - rows["x0"]).clip(lower=0.15),
            name=label, legendgroup="ae", legendgrouptitle_text="Adverse event (CTCAE grade)",
            marker=dict(color=AE_GRADE_COLOURS.get(int(grade), "#999999"), line=dict(width=0.8, color="#333333"),
                        pattern=dict(shape="/" if severity else "", fgcolor="#FFFFFF", size=6)),
            width=0.55, customdata=custom,
            hovertemplate=f"<b>%{{y}}</b>, {graded}<br>%{{customdata[0]}}"
                          "<br>%{customdata[1]} to %{customdata[2]}<br>attributed to %{customdata[3]}<extra></extra>"),
            row=3, col=1)


def _eln_bands(fig: go.Figure, guideline: str, tki_start: pd.Timestamp | None, anchor: pd.Timestamp,
               x_end: float) -> None:
    """Warning and failure zones of BCR::ABL1 from each milestone of the TKI line to the next (milestones.RULES);
    after the last milestone the guideline's "any time" row applies."""
    if tki_start is None or pd.isna(tki_start):
        return
    offset = (pd.Timestamp(tki_start) - anchor).days / MONTH_DAYS
    rules = milestones.RULES[guideline]
    timed = sorted(m for m in rules if m != milestones.ANY_TIME)
    top = 10 ** BCR_RANGE[1]
    zones: set[str] = set()
    for m, until in zip(timed, [*timed[1:], None]):
        row = rules[m] if until is not None else rules[milestones.ANY_TIME]
        if not row.bcr:
            continue
        x0 = offset + m
        x1 = offset + until if until is not None else max(x_end, x0) + 1
        optimal = max(u for u, _, c in row.bcr if c == milestones.OPTIMAL)
        failure_from = row.bcr[-1][0] if row.bcr_above == milestones.FAILURE else None
        # shapes take data values on a log axis, annotations take log10 values
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=optimal, y1=failure_from or top, xref="x4", yref="y4",
                      fillcolor=ELN_SHADE["warning"], line_width=0, layer="below")
        zones |= {"warning", *(("failure",) if failure_from else ())}
        if failure_from:
            fig.add_shape(type="rect", x0=x0, x1=x1, y0=failure_from, y1=top, xref="x4", yref="y4",
                          fillcolor=ELN_SHADE["failure"], line_width=0, layer="below")
        when = f"{m:g} mo" if until is not None else f"after {m:g} mo"
        fig.add_annotation(x=x0, y=math.log10(optimal), xref="x4", yref="y4", xanchor="left", yanchor="top",
                           text=f"{when}: {'<' if _strict(row, optimal) else '≤'}{optimal:g}%",
                           showarrow=False, font=dict(size=10, color="#555555"))
    for zone in ("warning", "failure"):
        if zone in zones:
            _legend_only(fig, f"ELN {zone} zone", REFERENCE, ELN_SHADE[zone])


def _strict(row: milestones.Row, bound: float) -> bool:
    return any(u == bound and not inclusive for u, inclusive, _ in row.bcr)


def _bcr(fig: go.Figure, labs: pd.DataFrame, clock: _Clock) -> None:
    q = labs[labs["bcr_abl1_is_pct"].notna()].assign(x=lambda d: clock.x(d["date"]))
    detected = q[q["bcr_abl1_is_pct"] > 0]
    undetected = q[q["bcr_abl1_is_pct"] == 0]
    if len(detected):
        fig.add_trace(go.Scatter(
            x=detected["x"], y=detected["bcr_abl1_is_pct"].clip(upper=10 ** BCR_RANGE[1]), mode="lines+markers",
            name="BCR::ABL1 IS", line=dict(color=OKABE_ITO["blue"], width=2), marker=dict(size=7),
            customdata=np.column_stack([clock.fmt(detected["date"]), detected["bcr_abl1_is_pct"],
                                        detected["abl1_copies"].fillna(-1)]),
            hovertemplate="%{customdata[0]}<br>BCR::ABL1 %{customdata[1]:.4g}% IS<br>ABL1 %{customdata[2]:,.0f} "
                          "copies<extra></extra>", showlegend=False), row=4, col=1)
    if len(undetected):
        sensitivity = (100.0 / undetected["abl1_copies"]).where(undetected["abl1_copies"] > 0, 10 ** BCR_RANGE[0])
        fig.add_trace(go.Scatter(
            x=undetected["x"], y=sensitivity, mode="markers", name="Undetectable (at assay sensitivity)",
            marker=dict(symbol="triangle-down-open", size=11, color=OKABE_ITO["blue"], line=dict(width=2)),
            customdata=np.column_stack([clock.fmt(undetected["date"]), undetected["abl1_copies"].fillna(-1),
                                        sensitivity]),
            hovertemplate="%{customdata[0]}<br>BCR::ABL1 undetectable<br>sensitivity < %{customdata[2]:.4f}% "
                          "(ABL1 %{customdata[1]:,.0f} copies)<extra></extra>", showlegend=True), row=4, col=1)
    for level in DEPTH_LINES:
        fig.add_hline(y=level, line=dict(color="#555555", width=1, dash="dot"), row=4, col=1)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="MMR, MR4, MR4.5 levels", legendgroup=REFERENCE,
                             legendgrouptitle_text=REFERENCE, line=dict(color="#555555", width=1.5, dash="dot"),
                             hoverinfo="skip"), row=4, col=1)


def _cytogenetics(fig: go.Figure, labs: pd.DataFrame, clock: _Clock) -> None:
    m = labs[labs["ph_pos_pct"].notna()].assign(x=lambda d: clock.x(d["date"]))
    if m.empty:
        return
    fig.add_trace(go.Scatter(
        x=m["x"], y=m["ph_pos_pct"], mode="markers", name="Ph+ metaphases", showlegend=False,
        marker=dict(symbol="square", size=9, color=OKABE_ITO["bluish_green"], line=dict(color="#000", width=1)),
        customdata=np.column_stack([clock.fmt(m["date"]), m["metaphases"].fillna(-1)]),
        hovertemplate="%{customdata[0]}<br>Ph+ %{y:g}% of %{customdata[1]:.0f} metaphases<extra></extra>"),
        row=5, col=1)
    fig.add_hline(y=35, line=dict(color="#999999", width=1, dash="dot"), row=5, col=1, annotation_text="PCyR 35%",
                  annotation_position="top right", annotation_font_size=10)  # inside the plot: never cut off


def _counts(fig: go.Figure, labs: pd.DataFrame, clock: _Clock) -> None:
    lines = {"wbc": (6, (10,)), "platelets": (7, (100, 450)), "hb": (8, (100,))}
    for column, (row, refs) in lines.items():
        c = labs[labs[column].notna()].assign(x=lambda d: clock.x(d["date"]))
        if c.empty:
            continue
        fig.add_trace(go.Scatter(x=c["x"], y=c[column], mode="lines+markers", showlegend=False, name=column,
                                 line=dict(color="#444444", width=1.5), marker=dict(size=5),
                                 customdata=clock.fmt(c["date"]),
                                 hovertemplate=f"%{{customdata}}<br>{ROWS[row - 1]} %{{y:g}}<extra></extra>"),
                      row=row, col=1)
        for ref in refs:
            fig.add_hline(y=ref, line=dict(color="#AAAAAA", width=1, dash="dot"), row=row, col=1)


def _phases(fig: go.Figure, labs: pd.DataFrame, anchor: pd.Timestamp) -> None:
    """Shade accelerated and blast phase periods (ELN phase of each visit, platelets not used on therapy)."""
    visits = labs.sort_values("date").to_dict("records")
    current, since, shaded = None, None, set()
    for v in visits + [None]:
        ph = None if v is None else visit_phase(v)
        if v is not None and ph is None:
            continue
        if ph != current or v is None:
            if current in PHASE_SHADE and since is not None:
                end = _x(anchor, pd.Series([v["date"] if v else visits[-1]["date"]])).iloc[0]
                fig.add_vrect(x0=since, x1=end, fillcolor=PHASE_SHADE[current], line_width=0, layer="below",
                              row="all", col=1)
                shaded.add(current)
                fig.add_annotation(x=since, y=1, xref="x", yref="y domain", xanchor="left", yanchor="top",
                                   text=f"<b>{current}</b>", showarrow=False, font=dict(size=11, color="#8A4B00"))
            if v is not None:
                current, since = ph, _x(anchor, pd.Series([v["date"]])).iloc[0]
    for phase, name in (("AP", "Accelerated phase"), ("BP", "Blast phase")):
        if phase in shaded:
            _legend_only(fig, name, REFERENCE, PHASE_SHADE[phase])


def build_patient_timeline(patient: pd.Series, segments: pd.DataFrame, labs: pd.DataFrame, events: pd.DataFrame,
                           aes: pd.DataFrame, anchor: str = "thalidomide", guideline: str = "ELN2020",
                           tki_start: pd.Timestamp | None = None, calendar: bool = True,
                           scale: float = 1.0, compact: bool = False) -> go.Figure:
    """The patient's course; ``patient`` holds the anchor dates (thal_start_date, im_start_date, diagnosis_date)
    and last_visit_date. ``calendar=False`` gives hover times as months since the anchor (presentation mode);
    ``scale`` enlarges rows and markers, and above 1 (presentation mode) makes every text at least 18 px and black
    (`projector.enforce`); without calendar dates, free text (stop reasons, verbatim AE terms) is shown only as
    categories and preferred terms. ``compact`` is the board's view: COMPACT_ROWS in at most COMPACT_PLOT_PX. The
    legend names every kind of mark drawn, shaded zones and phases included."""
    if anchor not in ANCHORS:
        raise ValueError(f"anchor must be one of {list(ANCHORS)}, got {anchor!r}")
    axis_title, column = ANCHORS[anchor]
    anchor_date = patient.get(column)
    if anchor_date is None or pd.isna(anchor_date):
        raise ValueError(f"anchor: this patient has no {column.removesuffix('_date').replace('_', ' ')} date")
    anchor_date = pd.Timestamp(anchor_date)
    last = pd.Timestamp(patient["last_visit_date"]) if pd.notna(patient.get("last_visit_date")) else anchor_date
    ae_terms = max(ae_label(aes["meddra_pt"], aes["term"], not calendar).nunique() if len(aes) else 0, 1)
    drugs = max(segments["drug"].nunique() if len(segments) else 0, 1)
    rows = COMPACT_ROWS if compact else ROWS
    board = scale > 1
    # a lane per drug tall enough for an 18 px dose label inside its bar on a projector
    heights = [(0.5 if compact else 0.35) * drugs, 0.3, 0.25 * ae_terms, 1.6, 0.7, 0.5, 0.5, 0.5][:len(rows)]
    margin = dict(l=10, r=60, t=120, b=70) if compact else dict(l=10, r=60, t=110, b=50)
    height = COMPACT_PX if compact else int(sum(heights) * 150 * scale * (1.2 if board else 1)) + 120
    plot_px = height - margin["t"] - margin["b"]
    fig = make_subplots(rows=len(rows), cols=1, shared_xaxes=True,  # room for 18 px row titles on a projector
                        vertical_spacing=28 / plot_px if board else 0.012, row_heights=heights, subplot_titles=rows)
    clock = _Clock(anchor_date, calendar)
    times = [clock.x(pd.to_datetime(d)) for d in (segments.get("start_date"), labs.get("date"), events.get("date"))
             if d is not None and len(d)] + [pd.Series([0.0, months_between(pd.Series([anchor_date]),
                                                                              pd.Series([last])).iloc[0]])]
    span = float(pd.concat(times).max() - pd.concat(times).min()) if board else None
    lanes = _exposure(fig, segments, clock, last, span) if len(segments) else []
    _responses(fig, events, clock, scale)
    _adverse_events(fig, aes, clock, last)
    x_end = float(months_between(pd.Series([anchor_date]), pd.Series([last])).iloc[0])
    _eln_bands(fig, guideline, tki_start, anchor_date, x_end)
    _bcr(fig, labs, clock)
    if not compact:
        _cytogenetics(fig, labs, clock)
        _counts(fig, labs, clock)
    if len(labs):
        _phases(fig, labs, anchor_date)
    fig.add_vline(x=0, line=dict(color="#444444", width=1.2, dash="dash"))
    fig.update_layout(
        template="plotly_white", barmode="overlay", height=height,
        margin=margin, font=dict(size=12 * scale), hoverlabel=dict(font_size=13 * scale),
        # above the first row's title, however many rows of groups the legend wraps to
        legend=dict(orientation="h", y=1 + 34 / plot_px, yanchor="bottom", x=0, groupclick="toggleitem",
                    entrywidth=None if board else 150, font=dict(size=11 * scale)),
    )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(lanes)), row=1, col=1)
    fig.update_yaxes(showticklabels=False, row=2, col=1)
    if compact:  # a short row: ticks 18 px apart at least, the levels named in the legend
        fig.update_yaxes(type="log", range=list(BCR_RANGE), tickvals=[0.001, 0.01, 0.1, 1, 10, 100],
                         ticktext=["0.001", "MR4", "MMR", "1", "10", "100"], row=4, col=1)
    else:
        fig.update_yaxes(type="log", range=list(BCR_RANGE), tickvals=[0.001, 0.0032, 0.01, 0.1, 1, 10, 100],
                         ticktext=["0.001", "MR4.5", "MR4 0.01", "MMR 0.1", "1", "10", "100"], row=4, col=1)
    if not compact:
        fig.update_yaxes(range=[-5, 112], tickvals=[0, 35, 65, 95], row=5, col=1)
    fig.update_xaxes(title_text=axis_title, dtick=6, row=len(rows), col=1)
    fig.update_xaxes(showgrid=True, gridcolor="#EEEEEE")
    for annotation in fig.layout.annotations[:len(rows)]:  # the subplot titles
        annotation.update(x=0, xanchor="left", font=dict(size=12 * scale, color="#333333"))
    return projector.enforce(fig) if board else fig
