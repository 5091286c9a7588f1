"""One patient's course on one shared time axis (data in, figure out).

Rows, top to bottom: drug exposure (a lane per drug, a bar per constant dose, labelled); responses, losses and
progression; BCR::ABL1 IS on a log axis with the MMR, MR4 and MR4.5 lines and the ELN milestone bands of the TKI
line (the panel a hematologist reads first: right under the responses, the tallest, with its own time axis labels);
adverse events as intervals coloured by CTCAE grade; Ph+ metaphases; WBC, platelets and haemoglobin. Accelerated and
blast phase periods are shaded grey across every row, edged by dotted lines (the ELN zones are yellow and red).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cmltrack.clinical import milestones
from cmltrack.clinical.timeline import visit_phase
from cmltrack.derive.lab_grades import SUFFIX, grade_text, lab_grades
from cmltrack.figures import projector
from cmltrack.figures import tfr as tfr_layer
from cmltrack.figures.palette import AE_GRADE_COLOURS, GLYPHS, OKABE_ITO, SEVERITY_WORDS, dose_shade, drug_label
from cmltrack.figures.plain import plain_text
from cmltrack.privacy.pseudonyms import ae_label, coded_reason
from cmltrack.timeaxis import ANCHORS, MONTH_DAYS, months_between

ROWS = ("Treatment", "Response", "BCR::ABL1 IS (%)", "Adverse events", "Ph+ metaphases (%)",
        "WBC, neutrophils (x10^9/L)", "Platelets (x10^9/L)", "Hb (g/L)")
#: Row numbers (1-based, as plotly's subplots count them).
R_TREAT, R_RESP, R_BCR, R_AE, R_PH, R_WBC, R_PLT, R_HB = range(1, len(ROWS) + 1)
#: Height of each row on a screen (px): a treatment lane, a marker row, an adverse-event term; the BCR::ABL1 panel,
#: the marrow and each blood count; and the gap between rows (room for the row's title and, under the BCR::ABL1
#: panel, its time axis labels).
LANE_PX, MARKER_ROW_PX, AE_TERM_PX, BCR_PX, PH_PX, COUNT_PX, GAP_PX = 34, 26, 22, 280, 120, 100, 46
#: The board's view of a course (``compact``): these rows only, about COMPACT_PX high in all, so that the course, the
#: facts and the open question fit one 1080p screen. Its rows in px at projector size: a drug lane and a marker row
#: tall enough for an 18 px label, an adverse-event term each (a shorter row makes Plotly drop tick labels, leaving
#: a bar without its term), and the BCR::ABL1 panel taking the rest, COMPACT_BCR_MIN_PX at least.
COMPACT_ROWS, COMPACT_PX = ROWS[:4], 600
COMPACT_LANE_PX, COMPACT_MARKER_PX, COMPACT_AE_TERM_PX, COMPACT_BCR_MIN_PX, COMPACT_GAP_PX = 44, 30, 28, 150, 28
#: A dose label needs this share of the time axis to be read at projector size (about 70 px of the 1,200 px wide
#: plot a 1080p projector gives); a shorter bar goes unlabelled (its dose is in the legend's shade and on hover)
#: rather than carry shrunken text.
BOARD_LABEL_SHARE = 70 / 1200
#: BCR::ABL1 axis: 0.001% to 100% (values above 100% are drawn at the top edge, their value on hover).
BCR_RANGE = (-3.3, 2.3)
DEPTH_LINES = (0.1, 0.01, 0.0032)  # MMR, MR4, MR4.5 (named on the axis ticks)
PHASE_SHADE = {"AP": "rgba(0,0,0,0.07)", "BP": "rgba(0,0,0,0.16)"}
#: The legend group of what is drawn behind the data: ELN zones, AP/BP shading, the molecular response levels.
REFERENCE = "Zones and levels"
#: The legend group of the lab results.
LABS = "Labs"
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
    """The time axis of one figure: its anchor date, and whether it is drawn for presentation mode (``board``: hover
    text without calendar dates)."""

    anchor: pd.Timestamp
    board: bool

    def x(self, dates: pd.Series) -> pd.Series:
        return _x(self.anchor, dates)

    def fmt(self, dates: pd.Series) -> pd.Series:
        """Hover text: calendar dates, or (presentation mode) months since the anchor."""
        if not self.board:
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
        reasons = rows["reason_stopped"].fillna("").astype(str) if not clock.board else \
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
            legendgrouptitle_text=g.group,
            customdata=np.column_stack([clock.fmt(rows["date"]), _detail(rows)]),
            marker=dict(symbol=g.symbol, color=g.color, size=(g.size + 2) * scale,
                        line=dict(color=g.line_color, width=1.2)),
            hovertemplate=f"<b>{g.label}</b>%{{customdata[1]}}<br>%{{customdata[0]}}<extra></extra>"), row=R_RESP,
            col=1)


def _detail(rows: pd.DataFrame) -> pd.Series:
    """': T315I (Sanger)' for a mutation or an ACA (its name is in ``term``); '' for a response."""
    term = rows["term"] if "term" in rows else pd.Series(None, index=rows.index, dtype=object)
    return (": " + term.astype("string")).fillna("").astype(str)


def drawn_onset(aes: pd.DataFrame, record_start: pd.Timestamp | None = None) -> pd.Series:
    """Where each event's bar begins. An onset known only to the year (onset_precision 'year': "1977", often a
    condition older than the trial) begins at the latest day it can have been (31 December, or the end date when
    earlier), and never before the patient's record (``record_start``, the first treatment): such an event still
    going on when treatment began is drawn from there, one that ended before is not drawn (NaT; it stays in the
    table), so a year-only onset never draws a decades-long bar. Events of unknown onset (NaT) are not drawn."""
    onset = pd.to_datetime(aes["onset_date"])
    year_only = aes.get("onset_precision", pd.Series(None, index=aes.index)).eq("year").fillna(False)
    end = pd.to_datetime(aes["end_date"])
    latest = pd.concat([onset + pd.offsets.YearEnd(0), end], axis=1).min(axis=1)
    if record_start is not None and not pd.isna(record_start):
        ended_before = end.notna() & (end < pd.Timestamp(record_start))
        latest = latest.clip(lower=pd.Timestamp(record_start)).where(~ended_before)
    return onset.where(~year_only, latest)


def meds_at(aes: pd.DataFrame, meds: pd.DataFrame | None) -> pd.Series:
    """For each event, the concomitant medications taken at its onset (standard name, else as reported), or ''."""
    if meds is None or meds.empty or aes.empty:
        return pd.Series("", index=aes.index)
    start = pd.to_datetime(meds["start_date"])
    end = pd.to_datetime(meds["end_date"])
    names = meds["decoded"].fillna(meds["term"]).astype(str).str.lower()
    onsets = pd.to_datetime(aes["onset_date"])

    def taking(onset: pd.Timestamp) -> str:
        if pd.isna(onset):
            return ""
        on = (start.isna() | (start <= onset)) & (end.isna() | (end >= onset))
        return ", ".join(sorted(set(names[on])))

    return onsets.map(taking)


def _adverse_events(fig: go.Figure, aes: pd.DataFrame, clock: _Clock, last: pd.Timestamp,
                    meds: pd.DataFrame | None = None, record_start: pd.Timestamp | None = None) -> None:
    start = drawn_onset(aes, record_start) if len(aes) else pd.Series(dtype="datetime64[us]")
    aes, start = aes[start.notna()], start[start.notna()]  # unknown onsets, and year-only ones over before the record
    if aes.empty:
        return
    year_only = aes.get("onset_precision", pd.Series(None, index=aes.index)).eq("year").fillna(False)
    a = aes.assign(term_label=ae_label(aes["meddra_pt"], aes["term"], clock.board), x0=clock.x(start),
                   x1=clock.x((pd.to_datetime(aes["end_date"]) + pd.Timedelta(days=1)).fillna(last)))
    if "grade_source" not in a:
        a = a.assign(grade_source="CTCAE")
    onset_text = clock.fmt(aes["onset_date"]).where(~year_only, "onset in " + pd.to_datetime(
        aes["onset_date"]).dt.strftime("%Y") + " (day and month unknown), drawn from " + clock.fmt(start)
        if not clock.board else "onset: year only, drawn from " + clock.fmt(start))
    related = aes.get("relatedness", pd.Series(None, index=aes.index)).fillna("not recorded").astype(str).str.lower()
    taking = meds_at(aes, meds).replace("", "none recorded")
    for (source, grade), rows in a.groupby([a["grade_source"].fillna("CTCAE"), "ctcae_grade"]):
        severity = source == "severity"
        label = f"{SEVERITY_WORDS.get(int(grade), grade).capitalize()} (severity)" if severity else f"Grade {grade}"
        graded = (f"{SEVERITY_WORDS.get(int(grade), grade)} severity, no CTCAE grade" if severity
                  else f"grade {grade} (CTCAE %{{customdata[4]}})")
        verbatim = rows["term"] if not clock.board else rows["term_label"]  # free text stays off a shared screen
        custom = np.column_stack([verbatim, onset_text[rows.index], clock.fmt(rows["end_date"]),
                                  rows["attributed_drug"].fillna("not attributed"),
                                  rows["ctcae_version"].fillna("?"), related[rows.index], taking[rows.index]])
        fig.add_trace(go.Bar(
            orientation="h", y=rows["term_label"], base=rows["x0"], x=(rows["x1"] - rows["x0"]).clip(lower=0.15),
            name=label, legendgroup="ae", legendgrouptitle_text="Adverse event (CTCAE grade)",
            marker=dict(color=AE_GRADE_COLOURS.get(int(grade), "#999999"), line=dict(width=0.8, color="#333333"),
                        pattern=dict(shape="/" if severity else "", fgcolor="#FFFFFF", size=6)),
            width=0.55, customdata=custom,
            hovertemplate=f"<b>%{{y}}</b>, {graded}<br>%{{customdata[0]}}"
                          "<br>%{customdata[1]} to %{customdata[2]}<br>attributed to %{customdata[3]}"
                          " (relatedness: %{customdata[5]})<br>concomitant medications at onset: %{customdata[6]}"
                          "<extra></extra>"),
            row=R_AE, col=1)


#: Colour of concomitant medications (neutral: they are not study drugs).
MEDS_COLOUR = "#8C8C8C"


def medication_lanes(meds: pd.DataFrame, board: bool) -> pd.Series:
    """The lane of each concomitant medication: its standard name (CMDECOD), else (not in presentation mode, where
    free text stays off the screen) the name as reported."""
    decoded = meds["decoded"].astype("string").str.strip().str.lower()
    named = decoded.fillna(meds["term"].astype("string").str.strip().str.lower()) if not board else \
        decoded.fillna("other medication")
    return "℞ " + named.astype(str)


def _medications(fig: go.Figure, meds: pd.DataFrame, clock: _Clock, first: pd.Timestamp,
                 last: pd.Timestamp) -> list[str]:
    """Concomitant medications as grey bars in the treatment row, a lane each, below the study drugs: an unknown
    start is drawn from the patient's first treatment, an unknown end to the last visit."""
    if meds is None or meds.empty:
        return []
    lane = medication_lanes(meds, clock.board)
    start = pd.to_datetime(meds["start_date"]).fillna(first)
    end = (pd.to_datetime(meds["end_date"]) + pd.Timedelta(days=1)).fillna(last)
    x0, x1 = clock.x(start), clock.x(end)
    when = clock.fmt(meds["start_date"]).where(meds["start_date"].notna(), "start unknown")
    indication = meds["indication"].fillna("").astype(str) if not clock.board else pd.Series("", index=meds.index)
    fig.add_trace(go.Bar(
        orientation="h", y=lane, base=x0, x=(x1 - x0).clip(lower=0.15), name="Concomitant medication",
        marker=dict(color=MEDS_COLOUR, line=dict(width=0.5, color="white")), width=0.45, showlegend=False,
        customdata=np.column_stack([when, clock.fmt(meds["end_date"]), indication]),
        hovertemplate="<b>%{y}</b> (concomitant)<br>%{customdata[0]} to %{customdata[1]}<br>%{customdata[2]}"
                      "<extra></extra>"), row=1, col=1)
    return sorted(set(lane))


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
    for i, (m, until) in enumerate(zip(timed, [*timed[1:], None])):
        row = rules[m] if until is not None else rules[milestones.ANY_TIME]
        if not row.bcr:
            continue
        x0 = offset + m
        x1 = offset + until if until is not None else max(x_end, x0) + 1
        optimal = max(u for u, _, c in row.bcr if c == milestones.OPTIMAL)
        failure_from = row.bcr[-1][0] if row.bcr_above == milestones.FAILURE else None
        # shapes take data values on a log axis, annotations take log10 values
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=optimal, y1=failure_from or top, xref=_BX, yref=_BY,
                      fillcolor=ELN_SHADE["warning"], line_width=0, layer="below")
        zones |= {"warning", *(("failure",) if failure_from else ())}
        if failure_from:
            fig.add_shape(type="rect", x0=x0, x1=x1, y0=failure_from, y1=top, xref=_BX, yref=_BY,
                          fillcolor=ELN_SHADE["failure"], line_width=0, layer="below")
        when = f"{m:g} mo" if until is not None else f"after {m:g} mo"
        # at the foot of the panel, on a white ground: clear of the curve, which seldom goes below 0.001%
        # alternately at two heights: zones three months apart on a laptop are narrower than their labels
        fig.add_annotation(x=x0, y=0.01 + 0.08 * (i % 2), xref=_BX, yref=f"{_BY} domain", xanchor="left",
                           yanchor="bottom",
                           text=f"{when}: {'<' if _strict(row, optimal) else '≤'}{optimal:g}%", xshift=2,
                           showarrow=False, font=dict(size=10, color="#444444"), bgcolor="rgba(255,255,255,0.85)")
    for zone in ("warning", "failure"):
        if zone in zones:
            _legend_only(fig, f"ELN {zone} zone", REFERENCE, ELN_SHADE[zone])


#: The BCR::ABL1 panel's axes (shapes and annotations address them by name).
_BX, _BY = f"x{R_BCR}", f"y{R_BCR}"


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
            legendgroup=LABS, legendgrouptitle_text=LABS,
            customdata=np.column_stack([clock.fmt(detected["date"]), detected["bcr_abl1_is_pct"],
                                        detected["abl1_copies"].fillna(-1)]),
            hovertemplate="%{customdata[0]}<br>BCR::ABL1 %{customdata[1]:.4g}% IS<br>ABL1 %{customdata[2]:,.0f} "
                          "copies<extra></extra>"), row=R_BCR, col=1)
    if len(undetected):
        sensitivity = (100.0 / undetected["abl1_copies"]).where(undetected["abl1_copies"] > 0, 10 ** BCR_RANGE[0])
        fig.add_trace(go.Scatter(
            x=undetected["x"], y=sensitivity, mode="markers", name="Undetectable (at assay sensitivity)",
            legendgroup=LABS, legendgrouptitle_text=LABS,
            marker=dict(symbol="triangle-down-open", size=11, color=OKABE_ITO["blue"], line=dict(width=2)),
            customdata=np.column_stack([clock.fmt(undetected["date"]), undetected["abl1_copies"].fillna(-1),
                                        sensitivity]),
            hovertemplate="%{customdata[0]}<br>BCR::ABL1 undetectable<br>sensitivity < %{customdata[2]:.4f}% "
                          "(ABL1 %{customdata[1]:,.0f} copies)<extra></extra>"), row=R_BCR, col=1)
    for level in DEPTH_LINES:
        fig.add_hline(y=level, line=dict(color="#555555", width=1, dash="dot"), row=R_BCR, col=1)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="MMR, MR4, MR4.5 levels", legendgroup=REFERENCE,
                             legendgrouptitle_text=REFERENCE, line=dict(color="#555555", width=1.5, dash="dot"),
                             hoverinfo="skip"), row=R_BCR, col=1)


def _cytogenetics(fig: go.Figure, labs: pd.DataFrame, clock: _Clock) -> None:
    m = labs[labs["ph_pos_pct"].notna()].assign(x=lambda d: clock.x(d["date"]))
    if m.empty:
        return
    fig.add_trace(go.Scatter(
        x=m["x"], y=m["ph_pos_pct"], mode="markers", name="Ph+ metaphases (marrow)", legendgroup=LABS,
        legendgrouptitle_text=LABS,
        marker=dict(symbol="square", size=9, color=OKABE_ITO["bluish_green"], line=dict(color="#000", width=1)),
        customdata=np.column_stack([clock.fmt(m["date"]), m["metaphases"].fillna(-1)]),
        hovertemplate="%{customdata[0]}<br>Ph+ %{y:g}% of %{customdata[1]:.0f} metaphases<extra></extra>"),
        row=R_PH, col=1)
    fig.add_hline(y=35, line=dict(color="#999999", width=1, dash="dot"), row=R_PH, col=1)
    fig.add_annotation(x=0.995, y=35, xref=f"x{R_PH} domain", yref=f"y{R_PH}", xanchor="right", yanchor="bottom",
                       text="≤ 35%: PCyR", showarrow=False, font=dict(size=10, color="#444444"))  # inside the plot


def _counts(fig: go.Figure, labs: pd.DataFrame, clock: _Clock) -> None:
    """WBC (and neutrophils), platelets and haemoglobin; hover gives the CTCAE grade derived from each count."""
    lines = {"wbc": (R_WBC, (10,), "WBC (x10^9/L)"), "neutrophils": (R_WBC, (), "Neutrophils (x10^9/L)"),
             "platelets": (R_PLT, (100, 450), "Platelets (x10^9/L)"), "hb": (R_HB, (100,), "Hb (g/L)")}
    legend = {"wbc": "Blood counts (WBC, platelets, Hb)", "neutrophils": "Neutrophils (x10^9/L)"}
    graded = lab_grades(labs)
    for column, (row, refs, label) in lines.items():
        if column not in graded:
            continue
        c = graded[graded[column].notna()].assign(x=lambda d: clock.x(d["date"]))
        if c.empty:
            continue
        custom = np.column_stack([clock.fmt(c["date"]), grade_text(column, c[column + SUFFIX])])
        fig.add_trace(go.Scatter(x=c["x"], y=c[column], mode="lines+markers", showlegend=column in legend,
                                 name=legend.get(column, label), legendgroup=LABS, legendgrouptitle_text=LABS,
                                 line=dict(color="#444444" if column != "neutrophils" else OKABE_ITO["blue"],
                                           width=1.5, dash="solid" if column != "neutrophils" else "dot"),
                                 marker=dict(size=5), customdata=custom,
                                 hovertemplate=f"%{{customdata[0]}}<br>{label} %{{y:g}}%{{customdata[1]}}"
                                               "<extra></extra>"),
                      row=row, col=1)
        for ref in refs:
            fig.add_hline(y=ref, line=dict(color="#AAAAAA", width=1, dash="dot"), row=row, col=1)


def _phases(fig: go.Figure, labs: pd.DataFrame, anchor: pd.Timestamp, aca_since: pd.Timestamp | None = None) -> None:
    """Shade accelerated and blast phase periods (ELN phase of each visit, platelets not used on therapy; from
    ``aca_since``, the first high-risk ACA in Ph+ cells, at least accelerated)."""
    visits = labs.sort_values("date").to_dict("records")
    current, since, shaded = None, None, set()
    for v in visits + [None]:
        aca = v is not None and aca_since is not None and pd.Timestamp(v["date"]) >= aca_since
        ph = None if v is None else visit_phase(v, aca)
        if v is not None and ph is None:
            continue
        if ph != current or v is None:
            if current in PHASE_SHADE and since is not None:
                end = _x(anchor, pd.Series([v["date"] if v else visits[-1]["date"]])).iloc[0]
                fig.add_vrect(x0=since, x1=end, fillcolor=PHASE_SHADE[current], layer="below", row="all", col=1,
                              line=dict(color="#555555", width=1, dash="dot"))
                shaded.add(current)
                # at the top of the BCR::ABL1 panel on a white ground, not under a drug's bar
                fig.add_annotation(x=since, y=0.99, xref=_BX, yref=f"{_BY} domain", xanchor="left", yanchor="top",
                                   text=f"<b>{current}</b>", showarrow=False, xshift=2, font=dict(size=11,
                                                                                                color="#000000"),
                                   bgcolor="rgba(255,255,255,0.85)")
            if v is not None:
                current, since = ph, _x(anchor, pd.Series([v["date"]])).iloc[0]
    for phase, name in (("AP", "Accelerated phase"), ("BP", "Blast phase")):
        if phase in shaded:
            _legend_only(fig, name, REFERENCE, PHASE_SHADE[phase])


def build_patient_timeline(patient: pd.Series, segments: pd.DataFrame, labs: pd.DataFrame, events: pd.DataFrame,
                           aes: pd.DataFrame, anchor: str = "thalidomide", guideline: str = "ELN2020",
                           tki_start: pd.Timestamp | None = None, board: bool = False,
                           scale: float = 1.0, meds: pd.DataFrame | None = None,
                           compact: bool = False, tfr: pd.DataFrame | None = None) -> go.Figure:
    """The patient's course; ``patient`` holds the anchor dates (thal_start_date, im_start_date, diagnosis_date)
    and last_visit_date. ``board=True`` gives hover times as months since the anchor (presentation mode);
    ``scale`` enlarges rows and markers, and above 1 (presentation mode) makes every text at least 18 px and black
    (`projector.enforce`); without calendar dates, free text (stop reasons, verbatim AE terms) is shown only as
    categories and preferred terms. Mutations and ACA (kinds MUTATION, ACA_HR, ACA of ``events``) are drawn in the
    Response row, named on hover. ``meds``: concomitant medications (a lane each, grey, in the treatment row; named
    in the hover of the adverse events that began while they were taken). ``compact`` is the board's view:
    COMPACT_ROWS, about COMPACT_PX high. The legend names every kind of mark drawn, shaded zones and phases included.
    ``tfr``: the patient's treatment-free remission courses (cmltrack.db.queries.tfr_for), shaded and drawn in the
    lane of the TKI stopped."""
    if anchor not in ANCHORS:
        raise ValueError(f"anchor must be one of {list(ANCHORS)}, got {anchor!r}")
    axis_title, column = ANCHORS[anchor]
    anchor_date = patient.get(column)
    if anchor_date is None or pd.isna(anchor_date):
        raise ValueError(f"anchor: this patient has no {column.removesuffix('_date').replace('_', ' ')} date")
    anchor_date = pd.Timestamp(anchor_date)
    last = pd.Timestamp(patient["last_visit_date"]) if pd.notna(patient.get("last_visit_date")) else anchor_date
    first = pd.to_datetime(segments["start_date"]).min() if len(segments) else anchor_date
    timed = aes[drawn_onset(aes, first).notna()] if len(aes) else aes
    ae_terms = max(ae_label(timed["meddra_pt"], timed["term"], board).nunique() if len(timed) else 0, 1)
    med_lanes = medication_lanes(meds, board).nunique() if meds is not None and len(meds) else 0
    drugs = max((segments["drug"].nunique() if len(segments) else 0) + med_lanes, 1)
    marker_rows = max(events.loc[events["kind"] != "AE", "kind"].map(
        lambda k: GLYPHS[k].group if k in GLYPHS else None).nunique() if len(events) else 0, 2)
    rows = COMPACT_ROWS if compact else ROWS
    projected = scale > 1
    if compact:  # px at projector size; the BCR::ABL1 panel takes what the other rows leave of COMPACT_PX
        margin = dict(l=10, r=60, t=120, b=70)
        gaps = COMPACT_GAP_PX * (len(rows) - 1)
        fixed = [COMPACT_LANE_PX * drugs, COMPACT_MARKER_PX * marker_rows, COMPACT_AE_TERM_PX * ae_terms]
        bcr = max(COMPACT_PX - margin["t"] - margin["b"] - gaps - sum(fixed), COMPACT_BCR_MIN_PX)
        heights = [fixed[0], fixed[1], bcr, fixed[2]]
        plot_px = sum(heights) + gaps
        height = int(plot_px + margin["t"] + margin["b"])
        spacing = COMPACT_GAP_PX / plot_px
    else:  # pixels: the BCR::ABL1 panel BCR_PX high whatever the number of drugs and adverse events
        k = scale * (1.2 if projected else 1)
        heights = [k * h for h in (LANE_PX * drugs, MARKER_ROW_PX * marker_rows, BCR_PX, AE_TERM_PX * ae_terms,
                                   PH_PX, COUNT_PX, COUNT_PX, COUNT_PX)]
        margin = dict(l=10, r=10, t=36, b=50)
        plot_px = sum(heights) + GAP_PX * k * (len(rows) - 1)
        height = int(plot_px + margin["t"] + margin["b"])
        spacing = GAP_PX * k / plot_px
    fig = make_subplots(rows=len(rows), cols=1, shared_xaxes=True, vertical_spacing=spacing, row_heights=heights,
                        subplot_titles=rows)
    clock = _Clock(anchor_date, board)
    times = [clock.x(pd.to_datetime(d)) for d in (segments.get("start_date"), labs.get("date"), events.get("date"))
             if d is not None and len(d)] + [pd.Series([0.0, months_between(pd.Series([anchor_date]),
                                                                              pd.Series([last])).iloc[0]])]
    span = float(pd.concat(times).max() - pd.concat(times).min()) if projected else None
    lanes = _exposure(fig, segments, clock, last, span) if len(segments) else []
    lanes += _medications(fig, meds, clock, first, last)
    _responses(fig, events, clock, scale)
    _adverse_events(fig, aes, clock, last, meds, first)
    x_end = float(months_between(pd.Series([anchor_date]), pd.Series([last])).iloc[0])
    _eln_bands(fig, guideline, tki_start, anchor_date, x_end)
    _bcr(fig, labs, clock)
    if not compact:
        _cytogenetics(fig, labs, clock)
        _counts(fig, labs, clock)
    if len(labs):
        aca = pd.to_datetime(events.loc[events["kind"] == "ACA_HR", "date"]) if len(events) else pd.Series()
        _phases(fig, labs, anchor_date, aca.min() if len(aca) else None)
    if tfr is not None and len(tfr):
        tfr_layer.shade_patient(fig, tfr, anchor_date, board, drug_label(tfr["drug"].iloc[0]))
    fig.add_vline(x=0, line=dict(color="#444444", width=1.2, dash="dash"))
    fig.update_layout(
        template="plotly_white", barmode="overlay", height=height,
        margin=margin, font=dict(size=12 * scale), hoverlabel=dict(font_size=13 * scale),
        # the board's short course: a legend above the first row's title, however many rows it wraps to; else a
        # legend beside the rows, so that the BCR::ABL1 panel comes right under the treatment on the first screen
        legend=dict(orientation="h", y=1 + 34 / plot_px, yanchor="bottom", x=0, groupclick="toggleitem",
                    entrywidth=None if projected else 150, font=dict(size=11 * scale)) if compact else
        dict(orientation="v", x=1.01, xanchor="left", y=1, yanchor="top", groupclick="toggleitem",
             tracegroupgap=8, font=dict(size=11 * scale)),
    )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(lanes)), row=R_TREAT, col=1)
    fig.update_yaxes(showticklabels=False, row=R_RESP, col=1)
    if compact:  # a short row: ticks 18 px apart at least, the levels named in the legend
        fig.update_yaxes(type="log", range=list(BCR_RANGE), tickvals=[0.001, 0.01, 0.1, 1, 10, 100],
                         ticktext=["0.001", "MR4", "MMR", "1", "10", "100"], row=R_BCR, col=1)
    else:
        fig.update_yaxes(type="log", range=list(BCR_RANGE), tickvals=[0.001, 0.0032, 0.01, 0.1, 1, 10, 100],
                         ticktext=["0.001", "MR4.5 0.0032", "MR4 0.01", "MMR 0.1", "1", "10", "100"],
                         row=R_BCR, col=1)
        fig.update_yaxes(range=[-5, 112], tickvals=[0, 35, 65, 95], row=R_PH, col=1)
        fig.update_xaxes(showticklabels=True, row=R_BCR, col=1)  # its own time axis labels, read with it
    fig.update_xaxes(title_text=axis_title, dtick=6, row=len(rows), col=1)
    fig.update_xaxes(showgrid=True, gridcolor="#EEEEEE", dtick=6)
    for annotation in fig.layout.annotations[:len(rows)]:  # the subplot titles, clear of the tick labels
        annotation.update(x=0, xanchor="left", xshift=2, yshift=2, font=dict(size=12 * scale, color="#333333"))
    return plain_text(projector.enforce(fig) if projected else fig)
