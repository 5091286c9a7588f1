"""Clinic: the worklist of who needs what as of a date; a row opens the patient."""

import datetime as dt
from functools import partial

import pandas as pd
import streamlit as st

from cmltrack.analysis.worklist import FOLLOW_UP_MONTHS, NEWS_DAYS, REASONS, default_as_of, followed_from
from cmltrack.figures.spreadsheet import spreadsheet_csv
from cmltrack.ui import board, downloads, help_texts, patient_nav, session, shell, sidebar, tables
from cmltrack.ui import data as q


def _picked(key: str, ids: pd.Series) -> None:
    """A row picked (a callback: once per pick, not on every later rerun): the patient opens after this run starts."""
    value = st.session_state[key]
    rows = value.selection.get("rows", []) if key == "worklist" else ([] if value is None else [value])
    if rows:
        st.session_state["_clinic_picked"] = ids.iloc[rows[0]]


#: The earliest date the pickers offer (the first imatinib trials began in 1998; a registry may hold older records).
EARLIEST = dt.date(1980, 1, 1)
shell.require_app()
con = session.cursor()
st.subheader("Clinic: who needs what")
cohort_filter, guideline = sidebar.current_filter(), sidebar.current_guideline()
rules = sidebar.guideline_label(guideline)
shown, total = q.count_patients(con, cohort_filter)
if shown == 0:
    sidebar.show_empty(cohort_filter, total)
    st.stop()

picked = st.session_state.pop("_clinic_picked", None)
if picked:  # in presentation mode the patient travels in the session, never in the URL
    patient_nav.open_patient(picked)

end = q.data_end(con)
as_of_default, at_data_end = default_as_of(q.database_source(con), None if end is None else end.date(),
                                           dt.date.today())
dates, switch = st.columns([2, 3], vertical_alignment="center")
if board.active():  # no calendar date on a shared screen: the defaults, said in words
    as_of, since = as_of_default, as_of_default - dt.timedelta(days=NEWS_DAYS)
    dates.caption(f"As of {'the last date in the data' if at_data_end else 'today'}; new findings of the last "
                  f"{NEWS_DAYS} days.")
else:
    left, right = dates.columns(2)
    as_of = left.date_input("As of", value=as_of_default, key="clinic_as_of", min_value=EARLIEST,
                            max_value=max(dt.date.today(), as_of_default),
                            help="Tests due and milestones are counted to this day; nothing recorded later is read.")
    since = right.date_input("New since", value=as_of - dt.timedelta(days=NEWS_DAYS), key="clinic_since",
                             min_value=EARLIEST, max_value=as_of, help="Warnings, failures, losses of response, "
                             "progression, mutations and ACA found from this day on (e.g. the last clinic).")
    if at_data_end and as_of == as_of_default:
        dates.caption(f"{as_of:%Y-%m-%d} is the last date in the data: this is a fictitious cohort, so 'today' is "
                      "when its records end.")
everyone = switch.toggle(f"Include patients without a visit in the {FOLLOW_UP_MONTHS:.0f} months before",
                         key="clinic_all", help="Patients last seen longer ago are not under follow-up here (lost, "
                         "or followed elsewhere): left out unless asked, so that they do not bury the overdue tests.")
chosen = st.pills("Reasons", list(REASONS), format_func=REASONS.get, selection_mode="multi",
                  default=list(REASONS), key="clinic_reasons")
seen_from = None if everyone else followed_from(as_of)

worklist = q.worklist(con, cohort_filter, as_of, since, guideline, followed_from=seen_from)
rows = worklist[worklist[list(chosen)].any(axis=1)] if chosen else worklist.iloc[0:0]
counts = " · ".join(f"{label}: {int(worklist[k].sum()):,}" for k, label in REASONS.items())
st.markdown(f"**{len(rows):,} of {shown:,} patients need action** ({counts})")
if seen_from is not None:
    away = q.not_followed(con, cohort_filter, as_of, seen_from)
    if away:
        st.caption(f"{away:,} living patients without a visit in the {FOLLOW_UP_MONTHS:.0f} months before the as-of "
                   "date are not listed (lost to follow-up, or followed elsewhere); the switch above lists them too.")
if rows.empty:
    st.info("Nobody in the filtered cohort needs action for the chosen reasons as of this date.")
    st.stop()

table = rows.assign(patient_id=board.labels(con, rows["patient_id"]))
columns = {  # the columns that matter first: at 1366 px the last ones scroll (the patient column stays)
    "patient_id": st.column_config.TextColumn("Patient", pinned=True, width=100),
    "reasons": st.column_config.TextColumn("Needs", width=320),
    "days_overdue": st.column_config.NumberColumn("Days overdue", format="%d", width=90,
                                                  help="Days past the BCR::ABL1 due date or the untested milestone"),
    "status": st.column_config.TextColumn("Now", width=120),
    "last_pcr": st.column_config.TextColumn("Last BCR::ABL1", width=130),
    "pcr_due": st.column_config.DateColumn("BCR::ABL1 due", width=100, help=help_texts.pcr_schedule()),
    "last_pcr_date": st.column_config.DateColumn("Tested on", width=100),
    "eln_latest": st.column_config.TextColumn(f"Latest {rules}", width=110),
}
caption = (f"TFR candidates: ELN 2020 Table 7 requirements the data can show ({help_texts.tfr_requirements()}); "
           "the transcript type and the mandatory requirements about the patient and the laboratory are to be "
           "confirmed. "
           "Blood counts graded with CTCAE v5.0 against default lower limits of normal.")
if board.active():  # a static table a projector shows whole, no calendar date; a patient opened by pseudonym
    for column in ("pcr_due", "last_pcr_date"):
        del columns[column]
    tables.show(table[list(columns)], columns)
    st.selectbox("Open a patient of the list", range(len(table)), index=None, key="clinic_open",
                 format_func=lambda i: f"{table['patient_id'].iloc[i]}: {table['reasons'].iloc[i]}",
                 on_change=_picked, args=("clinic_open", rows["patient_id"]), placeholder="Pick a pseudonym")
    st.caption(caption)
else:
    for column in ("pcr_due", "last_pcr_date"):  # ISO text sorts as dates do; blank, not "None", when unknown
        table[column] = pd.to_datetime(table[column]).dt.strftime("%Y-%m-%d").fillna("")
        columns[column] = st.column_config.TextColumn(columns[column]["label"], width=100,
                                                      help=columns[column].get("help"))
    st.dataframe(table[list(columns)], column_config=columns, hide_index=True, selection_mode="single-row",
                 on_select=partial(_picked, "worklist", rows["patient_id"]), key="worklist",
                 height=min(38 + 35 * len(table), 640))
    st.caption("Select a row to open the patient; sort by any column header. " + caption)
st.download_button("Download the worklist (CSV)",
                   downloads.on_demand(lambda: spreadsheet_csv(table[list(columns)]), "clinic", "worklist CSV",
                                       rows["patient_id"].tolist()),
                   file_name="worklist.csv", mime="text/csv", key="worklist_csv", on_click="ignore")
