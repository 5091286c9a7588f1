"""Cohort: the swimmer plot of every patient passing the sidebar filters (landing page)."""

import math

import pandas as pd
import streamlit as st

from cmltrack.figures.export import html, image, images_available
from cmltrack.figures.overview import build_overview
from cmltrack.figures.plain import unescaped
from cmltrack.figures.swimmer import BANDS, SORTS, order_lanes
from cmltrack.timeaxis import ANCHORS
from cmltrack.ui import agenda, auth, board, cohort_page, downloads, memo, patient_nav, session, sidebar
from cmltrack.ui import data as q

PAGE_SIZES = (25, 50, 100, 200)
OVERVIEW_FROM = 200  # lanes above which the cohort overview is drawn above the swimmer
AXIS_LABELS = {"thalidomide": "thalidomide start", "imatinib": "imatinib start", "diagnosis": "diagnosis",
               "treatment": "first drug (any)"}


def _lane_clicked() -> None:
    """A new click on a lane (a callback: it runs once per click, not on every later rerun)."""
    points = st.session_state["swimmer"].selection.get("points", [])
    picked = [unescaped(pt["customdata"][0]) for pt in points if pt.get("customdata")]  # shown as plain text
    if picked:
        st.session_state["_lane_picked"] = picked[0]


con, lanes = cohort_page.start("Cohort: imatinib and thalidomide exposure")

axis, window, order = st.columns([4, 1.6, 2], vertical_alignment="bottom")
grouping, size, paging, clicks = st.columns([2.4, 1.2, 1.2, 3.2], vertical_alignment="bottom")
default_anchor = cohort_page.default_anchor(lanes)
anchors = [a for a, (_, column) in ANCHORS.items() if a == default_anchor or lanes[column].notna().any()]
anchor = axis.segmented_control("Time axis: months since", anchors, default=default_anchor, required=True,
                                format_func=AXIS_LABELS.get, key="anchor",
                                bind="query-params") or default_anchor  # an empty ?anchor= clears the control
windows = list(cohort_page.WINDOWS)
before = window.selectbox("History shown", windows, index=windows.index(cohort_page.default_window(anchor)),
                          format_func=lambda w: "All" if w == "all" else f"{w} months before", key="window",
                          help="The view starts this many months before the anchor; a grey ◀ at the left edge "
                               "marks a lane whose history starts earlier (choose All to draw it).")
sorts = list(SORTS)
sorts.insert(0, sorts.pop(sorts.index(cohort_page.default_sort(lanes))))
sort = order.selectbox("Sort lanes by", sorts, format_func=SORTS.get, key="sort",
                       bind="query-params") or sorts[0]
if q.arms(con):  # an imported trial: its arms are a band too
    group = grouping.segmented_control("Band lanes by", list(BANDS), default="status", required=True, key="band",
                                       format_func=BANDS.get, bind="query-params") or "status"
else:
    group = bool(grouping.toggle("Band by resistant / intolerant", value=True, key="group", bind="query-params"))
CLICKS = {"open": "opens the patient", "agenda": "adds to the board's agenda"}
click_mode = clicks.segmented_control("A click on a lane", list(CLICKS), format_func=CLICKS.get, default="open",
                                      required=True, key="lane_click") or "open"
label = st.session_state.pop("_lane_picked", None)  # set by a click (_lane_clicked), before this run
if label:  # in presentation mode this session's pseudonym, which never goes into a URL
    picked = board.pseudonyms(con).real(label) if board.active() else label
    if click_mode != "agenda":
        patient_nav.open_patient(picked)  # bound filters follow by themselves
    added = agenda.toggle(picked)
    st.toast(f"{label} {'added to' if added else 'taken off'} the board's agenda ({len(agenda.items())} patients; "
             "Board page).", icon=":material/playlist_add_check:")
per_page = size.selectbox("Lanes per page", PAGE_SIZES, index=0 if board.active() else 1, key="per_page",
                          help="Presentation mode starts at 25: a page of the swimmer then fits one screen.")

ordered = memo.remembered(  # ordering 100,000 lanes takes a third of a second: once per view of this session
    "ordered", (session.database_key(), sidebar.current_filter(), sidebar.current_guideline(), sort, group,
                board.pseudonyms(con) if board.active() else None, tuple(agenda.items())),
    lambda: order_lanes(cohort_page.on_screen(con, lanes), sort, group))
pages = math.ceil(len(ordered) / per_page)
page = 1
if pages > 1:
    # A text box, not a list of every lane: 100,000 options sent and drawn on every run took the browser seconds.
    # A box of its own in presentation mode: an ID typed before the mode came on is never shown in it.
    jump_key = "lane_jump_board" if board.active() else "lane_jump"

    def _jump(key: str, order: pd.DataFrame, lanes_per_page: int) -> None:
        """Show the page that holds the patient typed, their lane marked (in the order of the run that drew the
        box); when no lane or several match, say so."""
        found, matching = cohort_page.find_lane(order, st.session_state.get(key))
        if found is not None:
            st.session_state["lane_page"] = found // lanes_per_page + 1
        elif (st.session_state.get(key) or "").strip():
            st.session_state["_jump_missed"] = matching

    paging.text_input("Jump to a patient", key=jump_key, on_change=_jump, args=(jump_key, ordered, per_page),
                      max_chars=80, placeholder="Pseudonym" if board.active() else "Type an ID",
                      help="A patient's " + ("pseudonym" if board.active() else "ID") + " (or a part only they "
                           "have), then Enter: shows the page that holds their lane, marked ◀.")
    page = paging.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, value=1, step=1,
                               key="lane_page")
    missed = st.session_state.pop("_jump_missed", None)
    if missed is not None:
        st.toast(f"{missed:,} patients in this view match: type more of the {'pseudonym' if board.active() else 'ID'}."
                 if missed else "No patient in this view matches (the filters and the spelling decide).",
                 icon=":material/search_off:")
    found, _ = cohort_page.find_lane(ordered, st.session_state.get(jump_key))
    if found is not None:  # a new frame: the remembered one stays as it was
        note = ordered["note"].copy()
        note.iloc[found] += "  ◀"
        ordered = ordered.assign(note=note)
shown = ordered.iloc[(page - 1) * per_page: page * per_page]
ids = shown["patient_id"].tolist()
auth.audit_view("cohort", ids, mode="board" if board.active() else "normal")

no_anchor = int(shown[ANCHORS[anchor][1]].isna().sum())
st.caption(f"Lanes {(page - 1) * per_page + 1:,}-{(page - 1) * per_page + len(shown):,} of {len(ordered):,} patients"
           + (f"; {no_anchor:,} without a {anchor} start date are not drawn on this axis." if no_anchor else "."))
guideline = sidebar.current_guideline()
if len(ordered) > OVERVIEW_FROM:  # too many lanes to read one by one: the whole filtered cohort at a glance
    overview = memo.remembered(
        "overview", (session.database_key(), sidebar.current_filter(), anchor, guideline, board.scale()),
        lambda: build_overview(q.cohort_overview(con, sidebar.current_filter(), ANCHORS[anchor][1], guideline),
                               ANCHORS[anchor][0], len(ordered), board.scale()))
    st.plotly_chart(overview, config={"displaylogo": False}, key="overview")
    st.caption("Lanes below: one page at a time, in the chosen order; pick the page and the lanes per page above.")
figure = memo.remembered(  # the lanes shown, as named on screen, and every setting the figure draws
    "swimmer", (session.database_key(), *(tuple(shown[c]) for c in ("patient_id", "label", "note")), anchor, before,
                guideline, board.active(), board.scale()),
    lambda: cohort_page.swimmer(con, shown, anchor, before, guideline))
st.plotly_chart(figure, config={"displaylogo": False, "scrollZoom": False}, key="swimmer",
                on_select=_lane_clicked, selection_mode="points")

st.caption(
    "Bars: daily dose of each drug, darker = higher dose; imatinib above, thalidomide below in each lane. "
    "Responses sit on the lane's centre line; adverse events on the bar of the drug they are attributed to. "
    f"Responses, losses and progression are derived from the labs by the {sidebar.guideline_label(guideline)} rules "
    "(as recorded where a patient's labs do not measure them); the Patients page lists where they disagree with the "
    "record. "
    "Hover any glyph for patient, drug, dose, dates and event; click it to open the patient (or, with the switch "
    "above, to add them to the board's agenda: [2] after a lane label is their place on it)."
)

with st.expander("Export for slides", icon=":material/download:"):
    png, svg, page_html = st.columns(3)
    swimmer = {fmt: downloads.on_demand(build, "cohort", f"swimmer {fmt.upper()}", ids) for fmt, build in (
        ("png", lambda: image(figure, "png")), ("svg", lambda: image(figure, "svg")),
        ("html", lambda: html(figure, "Cohort swimmer")))}
    png.download_button("Swimmer as PNG", swimmer["png"], file_name="cohort_swimmer.png",
                        mime="image/png", on_click="ignore", disabled=not images_available())
    svg.download_button("Swimmer as SVG", swimmer["svg"], file_name="cohort_swimmer.svg",
                        mime="image/svg+xml", on_click="ignore", disabled=not images_available())
    page_html.download_button("Swimmer as HTML", swimmer["html"],
                              file_name="cohort_swimmer.html", mime="text/html", on_click="ignore")
    st.caption("The PowerPoint deck for a tumour board (this swimmer and a slide per patient) is built from the "
               "board's agenda on the Board page.")
    if not images_available():
        st.caption("PNG and SVG need Chromium on the server (apt-get install chromium); HTML works without.")
