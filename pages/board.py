"""Board: the tumour board's agenda. Order it, build the PowerPoint deck from it, and present it patient by patient."""

import pandas as pd
import streamlit as st

from cmltrack.figures.export import images_available
from cmltrack.filters import CohortFilter, best_response_label
from cmltrack.ui import agenda, board, cohort_page, downloads, patient_nav, session, sidebar
from cmltrack.ui import data as q
from cmltrack.ui.deck import build_deck
from cmltrack.ui.escape import md

con, lanes = cohort_page.start("Tumour board agenda")
guideline = sidebar.current_guideline()
everyone = q.cohort_lanes(con, CohortFilter(), guideline).set_index("patient_id")
agenda.keep_only(everyone.index)
ids = agenda.items()
if not ids:
    st.info("The agenda is empty. Add the patients to present from the **Cohort** swimmer (switch *A click on a "
            "lane* to *adds to the board's agenda*), the **Patients** table, or **Add to the agenda** on a "
            "patient's page.", icon=":material/playlist_add:")
    st.stop()

names = board.pseudonyms(con) if board.active() else None
choices = q.patient_choices(con).set_index("patient_id")["display_name"]


def _name(pid: str) -> str:
    if names is not None:
        return names(pid)
    return f"{pid} · {choices.get(pid)}" if choices.get(pid) else pid


def _present() -> None:
    board.turn_on()
    st.session_state["_present_first"] = True


if st.session_state.pop("_present_first", False):
    patient_nav.open_patient(agenda.items()[0])

st.caption("In this order the board steps through them: Previous and Next on a patient's page follow the agenda. "
           "Kept for this browser session only.")
for i, pid in enumerate(ids):
    row = everyone.loc[pid]
    place, who, facts, up, down, off = st.columns([0.4, 1.6, 4, 1, 1.1, 1], vertical_alignment="center")
    place.markdown(f"**{i + 1}**")
    who.markdown(f"**{md(_name(pid))}**")
    age = f"{row['age_years']:.0f} y" if pd.notna(row["age_years"]) else "age not recorded"
    facts.markdown(f"{row['sex']}, {age} · imatinib {row['im_status'] or '—'} · best on thalidomide "
                   f"{best_response_label(row['best_response'])} · latest {sidebar.guideline_label(guideline)} "
                   f"{row['eln_latest'] or 'not assessed'}")
    up.button("Up", icon=":material/arrow_upward:", key=f"agenda_up_{i}", on_click=agenda.move,
              args=(pid, -1), disabled=i == 0, width="stretch", help="Earlier on the agenda")
    down.button("Down", icon=":material/arrow_downward:", key=f"agenda_down_{i}", on_click=agenda.move,
                args=(pid, 1), disabled=i == len(ids) - 1, width="stretch", help="Later on the agenda")
    off.button("Off", icon=":material/close:", key=f"agenda_off_{i}", on_click=agenda.remove, args=(pid,),
               help="Take this patient off the agenda", width="stretch")

start, clear, _ = st.columns([2, 1.8, 2.2])
start.button(f"Present the {len(ids)} patients", type="primary", icon=":material/co_present:", on_click=_present,
             help="Turns presentation mode on and opens the first patient of the agenda.", width="stretch")
clear.button("Clear the agenda", icon=":material/playlist_remove:", on_click=agenda.clear, width="stretch")

st.markdown("#### PowerPoint deck")
made_for = (tuple(ids), board.active(), guideline, session.database_key(), sidebar.current_filter(),
            tuple(sorted((k, str(st.session_state.get(k))) for k in ("anchor", "window", "sort", "group", "band",
                                                                          "per_page"))))
built = st.session_state.get("_deck")
if not images_available():
    st.caption("The deck needs Chromium on the server (apt-get install chromium).")
elif st.button(f"Build the deck: the cohort swimmer + {len(ids)} patients"
               + (" (de-identified)" if board.active() else ""), icon=":material/slideshow:"):
    bar = st.progress(0.0, text="Drawing the slides")

    def _drawn(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Slide {done} of {total} drawn")

    deck = build_deck(con, cohort_page.current_swimmer(con, lanes, guideline), ids, guideline, names,
                      board.scale(), progress=_drawn)
    bar.empty()
    built = st.session_state["_deck"] = (made_for, deck)
if built is not None and built[0] == made_for:  # a deck of this agenda, mode and data only
    deck_bytes = built[1]
    st.download_button("Download the deck (PowerPoint)",
                       downloads.on_demand(lambda: deck_bytes, "board", "deck", ids, slides=len(ids)),
                       file_name="tumour_board.pptx", type="primary",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                       icon=":material/download:", on_click="ignore")
st.caption("Slide 1: the cohort swimmer as the Cohort page draws it (first 25 lanes; the agenda's patients marked "
           "[1], [2]...). Then one slide per patient in the agenda's order: the course (treatment, responses, adverse "
           "events, BCR::ABL1) with its whole legend, and the facts on the right. The open questions typed during the "
           "board are never put in the deck." + (" De-identified: pseudonyms of this browser session, months since "
                                                  "thalidomide start." if board.active() else ""))
