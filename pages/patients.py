"""Patients: the filtered cohort as a table, with risk scores, latest ELN classification and response concordance."""

import pandas as pd
import streamlit as st

from cmltrack.db.filters import best_response_label
from cmltrack.privacy.pseudonyms import deidentify, month_anchor
from cmltrack.ui import agenda, analyses, auth, board, cohort_page, help_texts, patient_nav, sidebar, tables

TABLE = "patients_table"


def _cell_clicked() -> None:
    """A click on a row's cell (a callback: once per click): that row's patient is opened on this run."""
    cells = st.session_state[TABLE].selection.get("cells", [])
    if cells:
        st.session_state["_row_opened"] = cells[0][0]


def _board_open(order: list[str]) -> None:
    """A patient picked by pseudonym (presentation mode): their row is opened on this run."""
    pid = st.session_state.get("board_open")
    if pid in order:
        st.session_state["_row_opened"] = order.index(pid)


con, lanes = cohort_page.start("Patients")
opened = st.session_state.pop("_row_opened", None)
if opened is not None and 0 <= opened < len(lanes):  # the row's patient, by id in the session (never a pseudonym)
    patient_nav.open_patient(lanes["patient_id"].iloc[opened])
auth.audit_view("patients", lanes["patient_id"].tolist(), mode="board" if board.active() else "normal")
guideline = sidebar.current_guideline()
rules = sidebar.guideline_label(guideline)

# ELN milestones are defined for chronic phase on first-line TKI: a patient on a later line (thalidomide added to
# imatinib, or imatinib resistance or intolerance recorded) has the classification marked, explained in the caption
later_line = lanes["thal_start_date"].notna() | lanes["im_status"].notna()
eln = lanes["eln_latest"].fillna("not assessed").str.capitalize()
table = lanes.assign(patient_id=board.labels(con, lanes["patient_id"]),
                     best_response=lanes["best_response"].map(  # a label per category, not per row
                         {code: best_response_label(code) for code in lanes["best_response"].unique()}),
                     im_status=lanes["im_status"].str.capitalize(),
                     eln_latest=eln.where(~(later_line & lanes["eln_latest"].notna()), eln + " †"))
for score in help_texts.SCORES:
    table[f"{score}_group"] = table[f"{score}_group"].str.capitalize()
columns = {
    "patient_id": st.column_config.TextColumn("Patient", pinned=True),
    "sex": st.column_config.TextColumn("Sex"),
    "age_years": st.column_config.NumberColumn("Age at thalidomide", format="%d y"),
    "im_status": st.column_config.TextColumn("Imatinib status"),
    "phase_at_thal": st.column_config.TextColumn("Phase at thalidomide", help="From the blood count in the 31 days up "
                                                 "to thalidomide start. " + help_texts.phase()),
    "best_response": st.column_config.TextColumn("Best response on thalidomide"),
    "eln_latest": st.column_config.TextColumn(f"Latest {rules}", help=f"{rules} classification of the latest "
                                              "BCR::ABL1, marrow and blood count on the current TKI line"),
    "eln_latest_date": st.column_config.DateColumn("Classified on"),
    "eln_latest_month": st.column_config.NumberColumn("Classified at month", format="%+.1f",
                                                      help="Months since thalidomide start"),
    **help_texts.score_columns(),
    "phase_at_diagnosis": st.column_config.TextColumn("Phase at diagnosis"),
    "months_im_before_thal": st.column_config.NumberColumn("Imatinib before thalidomide (mo)", format="%.1f"),
    "followup_months": st.column_config.NumberColumn("Follow-up on thalidomide (mo)", format="%.1f"),
}
if board.active():  # no calendar dates on a shared screen: months since thalidomide start instead
    table["eln_latest_month"] = table["eln_latest_thal_month"]
    del columns["eln_latest_date"]
    for score in help_texts.SCORES:  # risk groups only: the table fits the screen's width
        del columns[f"{score}_score"]
    del columns["phase_at_diagnosis"]  # on the patient's card
else:
    del columns["eln_latest_month"]
    dates = pd.to_datetime(table["eln_latest_date"]).dropna().unique()
    if len(dates) == 1:  # one date repeated in every row says nothing per row: it goes into the header
        del columns["eln_latest_date"]
        columns["eln_latest"] = st.column_config.TextColumn(
            f"Latest {rules} (all on {pd.Timestamp(dates[0]):%Y-%m-%d})", help=columns["eln_latest"]["help"])
places = {pid: i + 1 for i, pid in enumerate(agenda.items())}
if places:
    table.insert(1, "agenda", lanes["patient_id"].map(lambda pid: str(places[pid]) if pid in places else ""))
    columns = {"patient_id": columns["patient_id"], "agenda": st.column_config.TextColumn(
        "Agenda", help="Place on the board's agenda (Board page)"), **columns}
picked = tables.show(table[list(columns)], columns, height=min(38 + 35 * len(table), 800), key=TABLE,
                     on_select=_cell_clicked, selection_mode=["multi-row", "single-cell"])
add, note = st.columns([2, 5], vertical_alignment="center")
if picked is not None:  # the grid: tick rows, then add them
    chosen = lanes["patient_id"].iloc[picked.selection.rows].tolist()
    note.caption("Click a row to open the patient; tick patients in the table's first column to put them on the "
                 "board's agenda.")
else:  # presentation mode: a static table; pick by pseudonym
    labels = dict(zip(lanes["patient_id"], table["patient_id"]))
    chosen = note.multiselect("Patients for the board's agenda", list(labels), format_func=labels.get,
                              key="agenda_pick", placeholder="Pick by pseudonym", label_visibility="collapsed")
    st.selectbox("Open a patient", list(labels), index=None, format_func=labels.get, key="board_open",
                 placeholder="Open a patient: pick by pseudonym", label_visibility="collapsed",
                 on_change=_board_open, args=(list(labels),))


def _add_to_agenda(patient_ids: list[str]) -> None:
    added = agenda.add(patient_ids)
    st.session_state.pop("agenda_pick", None)
    st.toast(f"{added} added; {len(agenda.items())} on the agenda (Board page).", icon=":material/playlist_add_check:")


add.button(f"Add {len(chosen)} to the board's agenda", icon=":material/playlist_add:", disabled=not chosen,
           on_click=_add_to_agenda, args=(chosen,))
st.caption(
    help_texts.references() + " Scores are validated in chronic phase at diagnosis, ELN milestones for chronic phase "
    "on first-line TKI: for patients in AP at diagnosis and for this second-line cohort they are a reference, not a "
    "verdict (marked †). "
    "Evaluable for response after 12 weeks on "
    "thalidomide (the first ELN milestone, 3 months, less a week's visit window)."
)

with st.spinner("Comparing recorded and derived responses..."):
    found = analyses.disagreements(con, sidebar.current_filter(), guideline)
if board.active():
    anchor_dates = month_anchor(lanes["thal_start_date"], lanes["im_start_date"])
    anchors = dict(zip(lanes["patient_id"], pd.to_datetime(anchor_dates)))
    found = deidentify(found, board.pseudonyms(con), anchors)
with st.expander(f"Recorded vs derived responses ({rules}): {len(found)} disagreement(s)"):
    if found.empty:
        st.write("Every recorded response matches one derived from the labs.")
    else:
        tables.show(found, {
            "patient_id": "Patient", "kind": "Event", "recorded_date": st.column_config.DateColumn("Recorded"),
            "derived_date": st.column_config.DateColumn("From labs"), "finding": "Finding",
            "recorded_date (month)": "Recorded (month)", "derived_date (month)": "From labs (month)"})
