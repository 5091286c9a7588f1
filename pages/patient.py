"""Patient: one patient's whole course on one screen; deep link ?patient=ID. On the board's agenda, Previous and Next
follow the agenda and the presenter can type an open question (shown, never stored)."""

import pandas as pd
import streamlit as st

from cmltrack.figures.export import html, image, images_available
from cmltrack.figures.patient import build_patient_timeline
from cmltrack.figures.spreadsheet import spreadsheet_csv
from cmltrack.figures.swimmer import SORTS, order_lanes
from cmltrack.privacy.pseudonyms import month_anchor
from cmltrack.timeaxis import ANCHORS
from cmltrack.ui import (
    agenda,
    auth,
    board,
    downloads,
    patient_card,
    patient_nav,
    session,
    shell,
    sidebar,
    tables,
    visits_view,
)
from cmltrack.ui import data as q
from cmltrack.ui.escape import md

shell.require_app()
con = session.cursor()
guideline = sidebar.current_guideline()
rules = sidebar.guideline_label(guideline)
choices = q.patient_choices(con)
if choices.empty:
    st.info("The database holds no patients yet.")
    st.stop()
pseudonyms = board.pseudonyms(con) if board.active() else None
agenda.keep_only(choices["patient_id"])

# previous / next follow the agenda while the patient is on it, else the swimmer's order of the filtered cohort
sort = {label: key for key, label in SORTS.items()}.get(st.query_params.get("sort"), "thal_months")
cohort = order_lanes(q.cohort_lanes(con, sidebar.current_filter(), guideline), sort)["patient_id"].tolist()
pid, notice = patient_nav.requested()
if notice:
    st.warning(notice)
if pid is None:
    pid = cohort[0] if cohort else choices["patient_id"].iloc[0]
if pid in set(choices["patient_id"]):
    patient_nav.go_to(pid)

on_agenda = agenda.position(pid)
order = agenda.items() if on_agenda else cohort
top = st.columns([2.4, 1.2, 1.2, 2.2, 1.8], vertical_alignment="center")  # whole labels at 1366 px too
with top[0]:
    patient_nav.picker(choices, pid, pseudonyms)
before, after = patient_nav.neighbours(order, pid)
top[1].button("Previous", icon=":material/arrow_back:", disabled=before is None, on_click=patient_nav.go_to,
              args=(before,), width="stretch")
top[2].button("Next", icon=":material/arrow_forward:", disabled=after is None, on_click=patient_nav.go_to,
              args=(after,), width="stretch")
if on_agenda:
    top[3].markdown(f"**{on_agenda[0]} of {on_agenda[1]}** on the board's agenda")
else:
    top[3].caption(f"{cohort.index(pid) + 1:,} of {len(cohort):,} in the filtered cohort" if pid in cohort else
                   "Not in the filtered cohort")
top[4].button("Off the agenda" if on_agenda else "Add to the agenda", key="agenda_toggle", width="stretch",
              icon=":material/playlist_remove:" if on_agenda else ":material/playlist_add:", on_click=agenda.toggle,
              args=(pid,), help="The board's agenda: the patients to present, in order (Board page).")

record = q.patient(con, pid, guideline)
if record.empty:
    st.error(f"No patient with {'pseudonym' if pseudonyms else 'ID'} **{md(pid)}** in this database. Pick one above, "
             "or check the link.")
    st.stop()
p = record.iloc[0]
auth.audit_view("patient", [pid], mode="board" if pseudonyms else "normal")
segments, labs = q.treatments_for(con, [pid]), q.labs_for(con, [pid])
events, aes = q.events_for(con, [pid], guideline), q.adverse_events_for(con, [pid])
meds = q.medications_for(con, [pid])
aca = events.loc[events["kind"] == "ACA_HR", "date"] if len(events) else pd.Series(dtype="datetime64[ns]")
facts = patient_card.course_for(con, pid, events, guideline)
patient_card.show(p, segments, labs, rules, pseudonyms(pid) if pseudonyms else None,
                  aca_since=pd.Timestamp(aca.min()) if len(aca) else None, course=facts)
if on_agenda:  # shown in large type in its own box (board.PROJECTOR_CSS), kept by no one
    st.text_input("Open question for the board", key=agenda.question_key(), label_visibility="collapsed",
                  placeholder="Open question for the board: shown here, never stored (no names: the screen is shared)")
# the course comes right under the facts (its BCR::ABL1 panel on the first screen); its settings below it
course = st.container()

anchor = st.segmented_control("Time axis: months since", list(ANCHORS), default="thalidomide", required=True,
                              format_func=lambda a: ANCHORS[a][0].removeprefix("Months since "), key="anchor",
                              bind="query-params") or "thalidomide"  # an empty ?anchor= clears the control
has = [a for a, (_, column) in ANCHORS.items() if not pd.isna(p[column])]
if anchor not in has and has:
    fallback = next(a for a in ("thalidomide", "imatinib", "treatment", "diagnosis") if a in has)
    st.info(f"This patient has no {ANCHORS[anchor][0].removeprefix('Months since ')} date: the time axis counts "
            f"{ANCHORS[fallback][0].removeprefix('Months ').lower()} instead.")
    anchor = fallback
elif not has:
    st.info("This patient has no treatment or diagnosis date to draw a timeline from.")
    st.stop()
if labs.empty:
    st.info("No visits (blood counts, BCR::ABL1, marrow) are recorded for this patient.")
compact = pseudonyms is not None and not st.toggle("All rows (marrow, blood counts)", key="full_course",
                                             help="Presentation mode shows the board's rows, to fit one screen.")
figure = build_patient_timeline(p, segments, labs, events, aes, anchor=anchor, guideline=guideline,
                                tki_start=facts.line_start, board=pseudonyms is not None, scale=board.scale(),
                                meds=meds, compact=compact, tfr=facts.tfr)
course.plotly_chart(figure, config={"displaylogo": False}, key="patient_timeline")
name = pseudonyms(pid) if pseudonyms else pid
png, svg, page_html, _ = st.columns([1, 1, 1, 2])
images = images_available()  # PNG and SVG are drawn by Chromium on the server
exports = {fmt: downloads.on_demand(build, "patient", f"course {fmt.upper()}", [pid]) for fmt, build in (
    ("png", lambda: image(figure, "png")), ("svg", lambda: image(figure, "svg")),
    ("html", lambda: html(figure, f"{name}: course")))}
png.download_button("PNG", exports["png"], file_name=f"{name}_course.png", mime="image/png",
                    on_click="ignore", icon=":material/download:", disabled=not images)
svg.download_button("SVG", exports["svg"], file_name=f"{name}_course.svg", mime="image/svg+xml",
                    on_click="ignore", icon=":material/download:", disabled=not images)
page_html.download_button("HTML", exports["html"], file_name=f"{name}_course.html",
                          mime="text/html", on_click="ignore", icon=":material/download:")
st.caption(f"Responses derived from the labs by {rules}; the zones are {rules}'s warning and failure zones of "
           "BCR::ABL1 from the start of the imatinib line (the legend names every mark). Hover a marrow for Ph+ % "
           "and the metaphases counted, a blood count for its CTCAE grade derived from the labs, a mutation or ACA "
           "marker for what was found.")

visits_tab, ae_tab, treatment_tab, meds_tab = st.tabs(["Visits and labs", "Adverse events", "Treatment",
                                                       "Concomitant medications"])
with visits_tab:
    visits_view.show(labs, pid, pseudonyms, month_anchor(p["thal_start_date"], p["im_start_date"]))
for tab, frame, table in ((ae_tab, aes, "adverse_events"),
                          (treatment_tab, segments, "treatment"), (meds_tab, meds, "concomitant_medications")):
    with tab:
        if frame.empty:
            st.write(f"No {table.replace('_', ' ')} recorded.")
            continue
        shown = tables.record_table(frame, pid, p["thal_start_date"], p["im_start_date"], pseudonyms)
        tables.show(shown, height=min(38 + 35 * len(shown), 420))
        st.download_button(f"Download {table.replace('_', ' ')} (CSV)",
                           downloads.on_demand(lambda shown=shown: spreadsheet_csv(shown), "patient",
                                               f"{table} CSV", [pid]),
                           file_name=f"{name}_{table}.csv", mime="text/csv", key=f"csv_{table}", on_click="ignore")
