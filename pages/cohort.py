"""Cohort: the swimmer plot of every patient passing the sidebar filters (landing page)."""

import math

import streamlit as st

from cmltrack.config import database_path
from cmltrack.db.connection import open_readonly
from cmltrack.figures.export import html, image, images_available
from cmltrack.figures.overview import build_overview
from cmltrack.figures.swimmer import BANDS, SORTS, build_swimmer, order_lanes
from cmltrack.timeaxis import ANCHORS
from cmltrack.ui import board, cohort_page, patient_nav, sidebar
from cmltrack.ui import data as q
from cmltrack.ui.deck import build_deck

PAGE_SIZES = (25, 50, 100, 200)
OVERVIEW_FROM = 200  # lanes above which the cohort overview is drawn above the swimmer
AXIS_LABELS = {"thalidomide": "thalidomide start", "imatinib": "imatinib start", "diagnosis": "diagnosis",
               "treatment": "first drug (any)"}

con, lanes = cohort_page.start("Cohort: imatinib and thalidomide exposure")

axis, window, order = st.columns([4, 1.6, 2], vertical_alignment="bottom")
grouping, size, paging, _ = st.columns([2.4, 1.2, 1.2, 3.2], vertical_alignment="bottom")
# a registry without thalidomide (an imported trial) starts on the first treatment of any drug
on_thal = bool(lanes["thal_start_date"].notna().any())
default_anchor = "thalidomide" if on_thal else "treatment"
anchors = [a for a, (_, column) in ANCHORS.items() if a == default_anchor or lanes[column].notna().any()]
anchor = axis.segmented_control("Time axis: months since", anchors, default=default_anchor, required=True,
                                format_func=AXIS_LABELS.get, key="anchor",
                                bind="query-params") or default_anchor  # an empty ?anchor= clears the control
WINDOWS = {"12": 12, "24": 24, "60": 60, "all": None}
before = window.selectbox("History shown", list(WINDOWS), index=1 if anchor in ("thalidomide", "treatment") else 3,
                          format_func=lambda w: "All" if w == "all" else f"{w} months before", key="window",
                          help="The view starts this many months before the anchor; zoom out on the chart to see more.")
sorts = list(SORTS) if on_thal else ["treatment_months", *[k for k in SORTS if k != "treatment_months"]]
sort = order.selectbox("Sort lanes by", sorts, format_func=SORTS.get, key="sort",
                       bind="query-params") or sorts[0]
if q.arms(con):  # an imported trial: its arms are a band too
    group = grouping.segmented_control("Band lanes by", list(BANDS), default="status", required=True, key="band",
                                       format_func=BANDS.get, bind="query-params") or "status"
else:
    group = bool(grouping.toggle("Band by resistant / intolerant", value=True, key="group", bind="query-params"))
per_page = size.selectbox("Lanes per page", PAGE_SIZES, index=1, key="per_page")

lanes = lanes.assign(label=board.labels(con, lanes["patient_id"]))
ordered = order_lanes(lanes, sort, group)
pages = math.ceil(len(ordered) / per_page)
page = 1
if pages > 1:
    page = paging.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, step=1, key="lane_page")
shown = ordered.iloc[(page - 1) * per_page: page * per_page]
ids = shown["patient_id"].tolist()

no_anchor = int(shown[ANCHORS[anchor][1]].isna().sum())
st.caption(f"Lanes {(page - 1) * per_page + 1}-{(page - 1) * per_page + len(shown)} of {len(ordered)} patients"
           + (f"; {no_anchor} without a {anchor} start date are not drawn on this axis." if no_anchor else "."))
guideline = sidebar.current_guideline()
if len(ordered) > OVERVIEW_FROM:  # too many lanes to read one by one: the whole filtered cohort at a glance
    overview = q.cohort_overview(con, sidebar.current_filter(), ANCHORS[anchor][1], guideline)
    st.plotly_chart(build_overview(overview, ANCHORS[anchor][0], len(ordered), board.scale()),
                    config={"displaylogo": False}, key="overview")
    st.caption("Lanes below: one page at a time, in the chosen order; pick the page and the lanes per page above.")
figure = build_swimmer(shown, q.treatments_for(con, ids), q.events_for(con, ids, guideline), anchor=anchor,
                       months_before=WINDOWS[before], calendar=not board.active(), scale=board.scale(),
                       tfr=q.tfr_for(con, ids))
event = st.plotly_chart(figure, config={"displaylogo": False, "scrollZoom": False}, key="swimmer",
                        on_select="rerun", selection_mode="points")
picked = [pt.get("customdata") for pt in event.selection.get("points", []) if pt.get("customdata")]
if picked:  # a click on a lane's bar or marker opens that patient; bound filters follow by themselves
    label = picked[0][0]
    if board.active():  # the label is this session's pseudonym: hand the patient over in the session, not the URL
        st.session_state[patient_nav.CURRENT] = board.pseudonyms(con).real(label)
        st.switch_page("pages/patient.py", query_params={})
    st.switch_page("pages/patient.py", query_params={"patient": label})
st.caption(
    "Bars: daily dose of each drug, darker = higher dose; imatinib above, thalidomide below in each lane. "
    "Responses sit on the lane's centre line; adverse events on the bar of the drug they are attributed to. "
    f"Responses, losses and progression are derived from the labs by the {sidebar.guideline_label(guideline)} rules "
    "(as recorded where a patient's labs do not measure them); the Patients page lists where they disagree with the "
    "record. "
    "Hover any glyph for patient, drug, dose, dates and event; click it to open the patient."
)

with st.expander("Export for slides", icon=":material/download:"):
    png, svg, page_html = st.columns(3)
    png.download_button("Swimmer as PNG", lambda: image(figure, "png"), file_name="cohort_swimmer.png",
                        mime="image/png", on_click="ignore", disabled=not images_available())
    svg.download_button("Swimmer as SVG", lambda: image(figure, "svg"), file_name="cohort_swimmer.svg",
                        mime="image/svg+xml", on_click="ignore", disabled=not images_available())
    page_html.download_button("Swimmer as HTML", lambda: html(figure, "Cohort swimmer"),
                              file_name="cohort_swimmer.html", mime="text/html", on_click="ignore")
    chosen = st.multiselect("Patients for the deck (one slide each, after the swimmer)", ids,
                            default=ids[: min(len(ids), 6)], format_func=dict(zip(shown["patient_id"],
                                                                                   shown["label"])).get)
    deid = board.pseudonyms(con) if board.active() else None
    source = str(database_path())

    def deck_file() -> bytes:
        """Drawn when clicked, from what is on screen now (mode, patients, rules), on a connection of its own."""
        own = open_readonly(source)
        try:
            return build_deck(own, figure, chosen, guideline, deid, board_scale)
        finally:
            own.close()

    board_scale = board.scale()
    st.download_button(f"PowerPoint deck: swimmer + {len(chosen)} patients" + (" (de-identified)" if deid else ""),
                       deck_file, file_name="tumour_board.pptx", on_click="ignore", type="primary",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                       icon=":material/slideshow:", disabled=not chosen or not images_available())
    if not images_available():
        st.caption("PNG, SVG and the deck need Chromium on the server (apt-get install chromium); HTML works without.")
