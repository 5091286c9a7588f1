"""The cohort swimmer plot: one lane per patient, one trace per drug dose and per marker kind (vectorised).

Data in (DataFrames from cmltrack.db.queries), figure out. Lanes are ordered by `order_lanes`; each lane holds the
imatinib bar above the thalidomide bar, responses on the lane's centre line, adverse events on the bar of the drug
they are attributed to, and an arrow after every segment still running at the last visit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cmltrack.clinical import milestones
from cmltrack.figures import projector
from cmltrack.figures import tfr as tfr_layer
from cmltrack.figures.palette import GLYPHS, SEVERITY_WORDS, dose_shade, drug_label
from cmltrack.figures.plain import plain_text
from cmltrack.privacy.pseudonyms import ae_label, coded_reason
from cmltrack.timeaxis import ANCHORS, months_between

SORTS: dict[str, str] = {
    "thal_months": "Time on thalidomide",
    "attention": "Needing attention first (latest ELN)",
    "response": "Best response",
    "treatment_months": "Time since first treatment",
    "age": "Age",
    "patient_id": "Patient ID",
}
LANE_PX = 26
#: Presentation mode: lanes just tall enough for 18 px labels, so that a page of 25 lanes with its time axis and its
#: whole legend fits one 1080p screen (27 rows x 30 px + margins = 963 px).
BOARD_LANE_PX = 30
_LEGEND_GAP = 14
BAR_WIDTH = 0.27
DRUG_OFFSET = {"imatinib": -0.205, "thalidomide": 0.205}  # y axis runs top-down: imatinib above
#: Response duration: a line along the lane's centre, between the two bars, from the response to its loss (or the
#: last visit): CCyR or deeper, and over it MMR or deeper (the published swimmer plots' response-duration lines).
RESPONSE_SPANS: tuple[tuple[str, str, str, frozenset[str], frozenset[str]], ...] = (
    ("In CCyR or deeper", "#009E73", "CCYR", frozenset({"CCYR", "MMR", "MR4", "MR4.5", "MR5"}),
     frozenset({"LOSS_CCYR", "LOSS_CHR", "PROG_AP", "PROG_BP"})),
    ("In MMR or deeper", "#9A8C00", "MMR", frozenset({"MMR", "MR4", "MR4.5", "MR5"}),
     frozenset({"LOSS_MMR", "LOSS_CCYR", "LOSS_CHR", "PROG_AP", "PROG_BP"})),
)
STATUS_LABEL = {"resistant": "Imatinib-resistant", "intolerant": "Imatinib-intolerant"}


#: How lanes can be banded: by imatinib status, by treatment arm (imported trials), or not at all.
BANDS: dict[str, str] = {"status": "Resistant / intolerant", "arm": "Treatment arm", "none": "No bands"}


def _bands(lanes: pd.DataFrame, group: bool | str) -> tuple[pd.Series, list[str]]:
    """Each lane's band and the bands in display order."""
    band = ("status" if group else "none") if isinstance(group, bool) else group
    if band not in BANDS:
        raise ValueError(f"group must be one of {list(BANDS)} (or a bool), got {group!r}")
    if band == "status":
        return lanes["im_status"].map(STATUS_LABEL).fillna("Status not recorded"), [*STATUS_LABEL.values(),
                                                                                      "Status not recorded"]
    if band == "arm":
        arms = lanes["arm"] if "arm" in lanes else pd.Series(None, index=lanes.index, dtype=object)
        named = sorted(arms.dropna().unique())
        return arms.fillna("Arm not recorded"), [*named, "Arm not recorded"]
    return pd.Series("All patients", index=lanes.index), ["All patients"]


def order_lanes(lanes: pd.DataFrame, sort: str = "thal_months", group: bool | str = True) -> pd.DataFrame:
    """Lanes in display order with ``y``, ``group`` and ``group_n`` (patients in the group); a blank row heads
    each group. ``group``: a key of BANDS (True: 'status', False: 'none')."""
    keys = {
        "thal_months": (["thal_months", "patient_id"], [False, True]),
        # failure, then suboptimal, warning, optimal, not assessed; within each the longest on thalidomide first
        "attention": (["_attention", "thal_months", "patient_id"], [False, False, True]),
        "response": (["best_response_rank", "thal_months", "patient_id"], [False, False, True]),
        "treatment_months": (["_since_first", "patient_id"], [False, True]),
        "age": (["age_years", "patient_id"], [True, True]),
        "patient_id": (["patient_id"], [True]),
    }
    if sort not in keys:
        raise ValueError(f"sort must be one of {list(keys)}, got {sort!r}")
    cols, ascending = keys[sort]
    if sort == "patient_id" and "label" in lanes:  # sort by what the screen shows (pseudonyms in presentation mode)
        cols = ["label"]
    out = lanes.copy()
    if "first_treatment_date" in out:
        out["_since_first"] = months_between(out["first_treatment_date"], out["last_visit_date"])
    if sort == "attention":
        latest = out["eln_latest"] if "eln_latest" in out else pd.Series(None, index=out.index, dtype=object)
        out["_attention"] = latest.map(lambda c: milestones.severity(c) if isinstance(c, str) else -1)
    out["group"], order = _bands(out, group)
    rank = {label: i for i, label in enumerate(order)}
    out["_g"] = out["group"].map(rank)
    out = out.sort_values(["_g", *cols], ascending=[True, *ascending], na_position="last", kind="stable")
    out["group_n"] = out.groupby("group")["patient_id"].transform("size")  # whole group, before any paging
    header_rows = out["_g"].ne(out["_g"].shift()).cumsum()  # one blank row above each group for its title
    out["y"] = np.arange(len(out)) + header_rows.to_numpy()
    return out.drop(columns=["_g", "_since_first", "_attention"], errors="ignore").reset_index(drop=True)


def _hover_date(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("ongoing")


def _when(dates: pd.Series, months: pd.Series, board: bool) -> pd.Series:
    """Hover text for a time: the calendar date, or (de-identified) the month on the axis."""
    if not board:
        return _hover_date(dates)
    return ("month " + months.round(1).astype(str)).where(pd.to_datetime(dates).notna(), "ongoing")


def _reason(reasons: pd.Series, board: bool) -> pd.Series:
    """Stop reasons: as written, or (presentation mode) only their category: free text can name people."""
    return reasons.fillna("").astype(str) if not board else reasons.map(coded_reason)


def _lane_labels(lanes: pd.DataFrame) -> list[str]:
    age = lanes["age_years"].astype("Int64").astype(str).replace("<NA>", "?")
    labels = lanes["label"].astype(str) + "  " + lanes["sex"].fillna("?").astype(str) + " " + age
    if "note" in lanes:  # e.g. the patient's place on the board's agenda
        labels = labels + lanes["note"].fillna("").map(lambda n: f"  {n}" if n else "")
    return labels.tolist()


def _segment_traces(segments: pd.DataFrame, board: bool) -> list[go.Bar]:
    traces = []
    drugs = sorted(segments["drug"].unique(), key=lambda d: (d not in DRUG_OFFSET, d))
    for drug in drugs:
        rows = segments[segments["drug"] == drug]
        span = (float(rows["dose_mg"].min()), float(rows["dose_mg"].max()))  # for drugs without a known range
        for dose in sorted(rows["dose_mg"].unique()):
            seg = rows[rows["dose_mg"] == dose]
            name = f"{drug_label(drug)} {dose:g} mg/d"
            custom = np.column_stack([seg["label"], np.full(len(seg), name),
                                      _when(seg["start_date"], seg["x0"], board),
                                      _when(seg["end_date"], seg["x1"], board),
                                      _reason(seg["reason_stopped"], board)])
            traces.append(go.Bar(
                orientation="h", y=seg["y"] + DRUG_OFFSET.get(drug, 0.0), base=seg["x0"], x=seg["x1"] - seg["x0"],
                width=BAR_WIDTH, name=name, legendgroup=drug, legendgrouptitle_text=drug_label(drug),
                marker=dict(color=dose_shade(drug, dose, span), line=dict(width=0)), customdata=custom,
                hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]} to %{customdata[3]}"
                              "<br>%{customdata[4]}<extra></extra>",
            ))
    return traces


def _marker_trace(key: str, x: pd.Series, y: pd.Series, custom: np.ndarray, hover: str,
                  scale: float = 1.0) -> go.Scatter:
    g = GLYPHS[key]
    return go.Scatter(
        x=x, y=y, mode="markers", name=g.label, legendgroup=g.group, legendgrouptitle_text=g.group,
        marker=dict(symbol=g.symbol, color=g.color, size=g.size * scale,
                    line=dict(color=g.line_color, width=g.line_width)),
        customdata=custom, hovertemplate=hover + "<extra></extra>",
    )


#: Vertical spacing of events that share a lane and a time (e.g. loss of CHR and progression to AP).
DODGE = 0.42


def _dodge(events: pd.DataFrame, near: float = 0.0) -> pd.Series:
    """y of each response event, spread around the lane's centre where several fall within ``near`` months of each
    other in one lane (markers that would overlap on screen), else on the centre line."""
    if events.empty:
        return events["y"]
    order = events.sort_values(["patient_id", "x"], kind="stable")
    new_cluster = order["patient_id"].ne(order["patient_id"].shift()) | order["x"].diff().gt(near)
    cluster = new_cluster.cumsum()
    rank = order.groupby(cluster).cumcount()
    size = order.groupby(cluster)["kind"].transform("size")
    return (order["y"] + (rank - (size - 1) / 2) * DODGE).reindex(events.index)


def _event_traces(events: pd.DataFrame, board: bool, scale: float, near: float = 0.0) -> list[go.Scatter]:
    traces = []
    responses = events[events["kind"] != "AE"]
    responses = responses.assign(y=_dodge(responses, near))
    for kind in [k for k in GLYPHS if k in set(responses["kind"])]:
        ev = responses[responses["kind"] == kind]
        named = GLYPHS[kind].label + (": " + ev["term"].astype("string")).fillna("") if "term" in ev else \
            pd.Series(GLYPHS[kind].label, index=ev.index)  # a mutation or ACA names itself
        custom = np.column_stack([ev["label"], named.astype(str), _when(ev["date"], ev["x"], board)])
        traces.append(_marker_trace(kind, ev["x"], ev["y"], custom,
                                    "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}", scale))
    aes = events[events["kind"] == "AE"]
    if "grade_source" not in aes:
        aes = aes.assign(grade_source="CTCAE")
    imputed = aes["imputed"].fillna(False).astype(bool) if "imputed" in aes else pd.Series(False, index=aes.index)
    for (source, grade), ev in aes.dropna(subset=["grade"]).groupby(
            [aes["grade_source"].fillna("CTCAE"), aes["grade"]], sort=True):
        grade = int(grade)
        severity = source == "severity"
        y = ev["y"] + ev["drug"].map(DRUG_OFFSET).fillna(0.0)
        end_x = months_between(ev["_anchor"], ev["end_date"])
        name = ev["term"] if not board else ae_label(ev["meddra_pt"], ev["term"], board=True)
        what = SEVERITY_WORDS[grade] + " (no CTCAE grade recorded)" if severity else f"CTCAE grade {grade}"
        note = np.where(imputed[ev.index], "<br>partial source date completed (import rules)", "")
        custom = np.column_stack([ev["label"], name.fillna("").astype(str), np.full(len(ev), what),
                                  _when(ev["date"], ev["x"], board), _when(ev["end_date"], end_x, board),
                                  ev["drug"].fillna("not attributed").astype(str), note])
        traces.append(_marker_trace(f"SEV{grade}" if severity else f"AE{grade}", ev["x"], y, custom,
                                    "<b>%{customdata[0]}</b><br>%{customdata[1]}, %{customdata[2]}"
                                    "<br>%{customdata[3]} to %{customdata[4]}<br>attributed to %{customdata[5]}"
                                    "%{customdata[6]}", scale))
    return traces


def _ongoing_trace(segments: pd.DataFrame, scale: float) -> list[go.Scatter]:
    seg = segments[segments["end_date"].isna()]
    if seg.empty:
        return []
    y = seg["y"] + seg["drug"].map(DRUG_OFFSET).fillna(0.0)
    custom = np.column_stack([seg["label"], [drug_label(d) for d in seg["drug"]]])
    return [_marker_trace("ONGOING", seg["x1"] + 0.35, y, custom,
                          "<b>%{customdata[0]}</b><br>%{customdata[1]} ongoing at last visit", scale)]


#: The glyph of a stop, by the category of its reason (`coded_reason`); a dose change is no stop (the shade changes).
STOP_GLYPH = {"adverse event": "STOP_AE", "progression": "STOP_PROG"}


def _stop_traces(segments: pd.DataFrame, board: bool, scale: float) -> list[go.Scatter]:
    """A bar across the lane where a drug was stopped for a reason (other than a dose change), coloured by its
    category: adverse event, progression, other; the reason itself on hover (only its category in presentation
    mode)."""
    category = segments["reason_stopped"].map(coded_reason)
    stopped = segments[segments["end_date"].notna() & ~category.isin(["", "dose change"])]
    traces = []
    for key in ("STOP_AE", "STOP_PROG", "STOP_OTHER"):
        rows = stopped[category[stopped.index].map(lambda c: STOP_GLYPH.get(c, "STOP_OTHER")) == key]
        if rows.empty:
            continue
        y = rows["y"] + rows["drug"].map(DRUG_OFFSET).fillna(0.0)
        custom = np.column_stack([rows["label"], [drug_label(d) for d in rows["drug"]],
                                  _when(rows["end_date"], rows["x1"], board), _reason(rows["reason_stopped"],
                                                                                         board)])
        traces.append(_marker_trace(key, rows["x1"], y, custom, "<b>%{customdata[0]}</b><br>%{customdata[1]} "
                                    "stopped %{customdata[2]}<br>%{customdata[3]}", scale))
    return traces


#: A gap shorter than this (months) between two segments of one drug is a dose change, not an interruption.
GAP_MONTHS = 0.1


def _gap_trace(segments: pd.DataFrame) -> list[go.Scatter]:
    """A thin dotted line across each interruption (no drug taken between two segments of the same drug)."""
    seg = segments.sort_values(["patient_id", "drug", "x0"], kind="stable")
    same = seg["patient_id"].eq(seg["patient_id"].shift()) & seg["drug"].eq(seg["drug"].shift())
    prev_end = seg["x1"].shift()
    gaps = seg[same & (seg["x0"] - prev_end > GAP_MONTHS)]
    if gaps.empty:
        return []
    x0, x1 = prev_end[gaps.index].to_numpy(), gaps["x0"].to_numpy()
    y = (gaps["y"] + gaps["drug"].map(DRUG_OFFSET).fillna(0.0)).to_numpy()
    nan = np.full(len(gaps), np.nan)
    g = GLYPHS["GAP"]
    return [go.Scatter(x=np.column_stack([x0, x1, nan]).ravel(), y=np.column_stack([y, y, nan]).ravel(),
                       mode="lines", name=g.label, legendgroup=g.group, legendgrouptitle_text=g.group,
                       line=dict(color=g.color, width=g.line_width, dash="dot"), hoverinfo="skip",
                       connectgaps=False)]


def _earlier_trace(segments: pd.DataFrame, events: pd.DataFrame, left: float, edge: float,
                   scale: float) -> list[go.Scatter]:
    """A left-pointing mark at the left edge of each lane whose history starts before the view (``left``, months)."""
    before = pd.concat([segments.loc[segments["x0"] < left, ["patient_id", "label", "y"]],
                        events.loc[events["x"] < left, ["patient_id", "label", "y"]]]).drop_duplicates("patient_id")
    if before.empty:
        return []
    custom = np.column_stack([before["label"]])
    return [_marker_trace("EARLIER", pd.Series(edge, index=before.index), before["y"], custom,
                          "<b>%{customdata[0]}</b><br>history before this view: choose History shown: All", scale)]


def response_spans(events: pd.DataFrame, starts: frozenset[str], ends: frozenset[str]) -> pd.DataFrame:
    """Periods a patient held a response: from an event of ``starts`` to the next event of ``ends`` (or None: still
    held at the last visit); one row per period with patient_id, start and end (the events' ``x``)."""
    ev = events[events["kind"].isin(starts | ends)].sort_values(["patient_id", "x"], kind="stable")
    rows, held = [], {}
    for pid, x, kind in zip(ev["patient_id"], ev["x"], ev["kind"]):
        if kind in starts and pid not in held:
            held[pid] = x
        elif kind in ends and pid in held:
            rows.append((pid, held.pop(pid), x))
    rows += [(pid, x, None) for pid, x in held.items()]
    return pd.DataFrame(rows, columns=["patient_id", "start", "end"])


def _span_traces(events: pd.DataFrame, lanes: pd.DataFrame, segments: pd.DataFrame) -> list[go.Scatter]:
    """The response-duration lines of RESPONSE_SPANS, each one trace (a gap between periods)."""
    last = segments.groupby("patient_id")["x1"].max()  # the last visit, on the axis
    y = lanes.set_index("patient_id")["y"]
    traces = []
    for name, colour, _, starts, ends in RESPONSE_SPANS:
        spans = response_spans(events, starts, ends)
        if spans.empty:
            continue
        end = spans["end"].astype(float).fillna(spans["patient_id"].map(last)).to_numpy()
        ys = spans["patient_id"].map(y).to_numpy(dtype=float)
        nan = np.full(len(spans), np.nan)
        traces.append(go.Scatter(x=np.column_stack([spans["start"].to_numpy(dtype=float), end, nan]).ravel(),
                                 y=np.column_stack([ys, ys, nan]).ravel(), mode="lines", name=name,
                                 legendgroup="Response duration", legendgrouptitle_text="Response duration",
                                 line=dict(color=colour, width=3), hoverinfo="skip", connectgaps=False))
    return traces


def _place(frame: pd.DataFrame, lanes: pd.DataFrame, anchor_col: str) -> pd.DataFrame:
    """Attach each row's lane ``y``, label and anchor date; drop rows of patients not shown."""
    cols = ["patient_id", "y", "label", anchor_col, "last_visit_date"]
    return frame.merge(lanes[cols].rename(columns={anchor_col: "_anchor"}), on="patient_id", how="inner")


def _group_decor(lanes: pd.DataFrame, fig: go.Figure) -> None:
    for i, (label, rows) in enumerate(lanes.groupby("group", sort=False)):
        top, bottom = rows["y"].min(), rows["y"].max()
        total = int(rows["group_n"].iloc[0]) if "group_n" in rows else len(rows)
        count = f"n = {total:,}" if total == len(rows) else f"{len(rows)} of n = {total:,} on this page"
        fig.add_shape(type="rect", xref="paper", x0=0, x1=1, y0=top - 1.45, y1=bottom + 0.5, layer="below",
                      line_width=0, fillcolor="#F2F2F2" if i % 2 == 0 else "#FFFFFF")
        fig.add_annotation(xref="paper", x=0.005, y=top - 1, xanchor="left", yanchor="middle", showarrow=False,
                           text=f"<b>{label}</b> ({count})")


def _legend_px(fig: go.Figure, font_px: float) -> float:
    """Height the vertical legend needs: a line per entry and per group title, the gaps between groups and the
    legend's own padding (measured in Chromium: below this Plotly gives the legend a scroll bar)."""
    entries = [t for t in fig.data if t.showlegend is not False and t.name]
    groups = {t.legendgroup for t in entries}
    return (len(entries) + len(groups)) * font_px * 1.5 + len(groups) * _LEGEND_GAP + 24


def build_swimmer(lanes: pd.DataFrame, segments: pd.DataFrame, events: pd.DataFrame,
                  anchor: str = "thalidomide", months_before: float | None = None, board: bool = False,
                  scale: float = 1.0, tfr: pd.DataFrame | None = None) -> go.Figure:
    """Swimmer figure for lanes ordered by `order_lanes`, their treatment segments and their events.

    ``months_before`` limits the initial view to that many months before the anchor (zoom out to see all).
    Lanes are named by their ``label`` column when there is one (pseudonyms in presentation mode), else by patient
    id, followed by their ``note`` when there is one (e.g. a place on the board's agenda); ``board=True``
    (presentation mode) gives times in hover text as months on the axis instead of dates and stop reasons only as
    categories; ``scale`` above 1 (presentation mode) draws for a projector: every text at least 18 px and black
    (`projector.enforce`), larger markers, and lanes of BOARD_LANE_PX. The figure is always tall enough for its whole
    legend. Patients without the anchor date (e.g. never on thalidomide) are left out; the caller says how many.
    ``tfr``: treatment-free remission courses (cmltrack.db.queries.tfr_for), drawn on the TKI row of their lanes in
    a shade of their own.
    """
    if anchor not in ANCHORS:
        raise ValueError(f"anchor must be one of {list(ANCHORS)}, got {anchor!r}")
    axis_title, anchor_col = ANCHORS[anchor]
    lanes = lanes[lanes[anchor_col].notna()]
    lanes = lanes.assign(label=lanes["label"] if "label" in lanes else lanes["patient_id"])
    if not lanes.empty:  # a later page starts at the top too: renumber below its first group title row
        lanes = lanes.assign(y=lanes["y"] - lanes["y"].min() + 1)
    fig = go.Figure()
    if lanes.empty:
        fig.add_annotation(text="No patients to show", showarrow=False, font=dict(size=16))
        fig.update_layout(xaxis_visible=False, yaxis_visible=False, height=240, template="plotly_white")
        return projector.enforce(fig) if scale > 1 else fig

    seg = _place(segments, lanes, anchor_col)
    end = pd.to_datetime(seg["end_date"]) + pd.Timedelta(days=1)  # an end date is the last day on that dose
    seg["x0"] = months_between(seg["_anchor"], seg["start_date"])
    seg["x1"] = months_between(seg["_anchor"], end.fillna(pd.to_datetime(seg["last_visit_date"])))
    ev = _place(events, lanes, anchor_col)
    ev["x"] = months_between(ev["_anchor"], ev["date"])

    x_min = float(np.nanmin([seg["x0"].min(), ev["x"].min(), 0.0]))
    x_max = float(np.nanmax([seg["x1"].max(), ev["x"].max(), 0.0]))
    clipped = months_before is not None and x_min < -float(months_before)
    if clipped:
        x_min = -float(months_before)
    left, right = x_min - 1, x_max + 1.5
    projected = scale > 1
    # markers whose centre lies in the margin left of the window would be cut in half at the edge: the lane's
    # "earlier history" mark stands for them (History shown: All draws them)
    shown_ev = ev[ev["x"] >= x_min - 0.5] if clipped else ev
    stops = seg[seg["x1"] >= x_min - 0.5] if clipped else seg
    near = (right - left) / 90 * (1.4 if projected else 1.0)  # about one marker's width on screen
    earlier = _earlier_trace(seg, ev, x_min, left + 0.012 * (right - left), scale) if clipped else []
    spans = _span_traces(ev, lanes, seg) if "kind" in ev else []
    for trace in [*_segment_traces(seg, board), *spans, *_gap_trace(seg), *_stop_traces(stops, board, scale),
                  *_ongoing_trace(seg, scale), *earlier, *_event_traces(shown_ev, board, scale, near)]:
        fig.add_trace(trace)
    # the lane brings the last visit (the end of a course still running)
    placed = _place(tfr.drop(columns="last_visit_date", errors="ignore"), lanes, anchor_col) \
        if tfr is not None and len(tfr) else None
    if placed is not None and len(placed):
        fig.add_trace(tfr_layer.swimmer_trace(placed, board, DRUG_OFFSET["imatinib"], BAR_WIDTH))
    _group_decor(lanes, fig)
    start_label = {"thalidomide": "Thalidomide start", "imatinib": "Imatinib start", "diagnosis": "Diagnosis",
                   "treatment": "First treatment"}
    fig.add_vline(x=0, line=dict(color="#444444", width=1.5, dash="dash"))
    top = float(lanes["y"].min())

    bottom = float(lanes["y"].max())
    font_px = max(13 * scale, projector.MIN_PX) if projected else 13
    margin = dict(l=10, r=10, t=70 if projected else 50, b=80 if projected else 60)
    lanes_px = (bottom + 1.1) * BOARD_LANE_PX + margin["t"] + margin["b"] if projected else \
        max(320, int((bottom + 2) * LANE_PX * scale) + 150)
    ticks = dict(dtick=6 if x_max - x_min <= 48 else 12, showgrid=True, gridcolor="#E5E5E5", zeroline=False)
    # the top axis names its 0 (the dashed line): clear of the band titles and of every lane
    top_ticks = np.arange(np.ceil(left / ticks["dtick"]), np.floor(right / ticks["dtick"]) + 1) * ticks["dtick"]
    top_text = [f"0: {start_label[anchor].lower()}" if v == 0 else f"{v:g}" for v in top_ticks]
    # the same time axis on top too: a long page of lanes is read from its first screen
    fig.add_trace(go.Scatter(x=[left, right], y=[top, top], xaxis="x2", mode="markers", showlegend=False,
                             hoverinfo="skip", marker=dict(opacity=0, size=1), name="top axis"))
    fig.update_layout(
        template="plotly_white", barmode="overlay", bargap=0,
        height=int(np.ceil(max(lanes_px, _legend_px(fig, font_px) + margin["t"] + margin["b"]))),
        margin=margin, hoverlabel=dict(font_size=13 * scale), font=dict(size=13 * scale),
        legend=dict(orientation="v", x=1.01, xanchor="left", y=1, yanchor="top", tracegroupgap=_LEGEND_GAP,
                    groupclick="toggleitem", itemsizing="constant"),
        xaxis=dict(title=axis_title, range=[left, right], minor=dict(dtick=3, showgrid=True, gridcolor="#F3F3F3"),
                   **ticks),
        xaxis2=dict(overlaying="x", side="top", matches="x", range=[left, right], showgrid=False,
                    zeroline=False, tickmode="array", tickvals=top_ticks.tolist(), ticktext=top_text,
                    ticks="outside", ticklen=4),
        yaxis=dict(tickmode="array", tickvals=lanes["y"].tolist(),
                   ticktext=_lane_labels(lanes), showgrid=False, zeroline=False, tickfont=dict(size=12 * scale),
                   range=[bottom + 0.6, -0.5]),  # reversed: first lane on top
    )
    return plain_text(projector.enforce(fig) if projected else fig)
