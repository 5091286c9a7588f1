"""Patients: the filtered cohort as a table, one row per patient."""

import streamlit as st

from cmltrack.filters import best_response_label
from cmltrack.ui import cohort_page

_, lanes = cohort_page.start("Patients")

table = lanes.assign(best_response=lanes["best_response"].map(best_response_label),
                     im_status=lanes["im_status"].str.capitalize(), eutos_group=lanes["eutos_group"].str.capitalize())
columns = {
    "patient_id": st.column_config.TextColumn("Patient"),
    "sex": st.column_config.TextColumn("Sex"),
    "age_years": st.column_config.NumberColumn("Age at thalidomide", format="%d y"),
    "im_status": st.column_config.TextColumn("Imatinib status"),
    "phase_at_diagnosis": st.column_config.TextColumn("Phase at diagnosis"),
    "phase_at_thal": st.column_config.TextColumn("Phase at thalidomide"),
    "eutos_score": st.column_config.NumberColumn("EUTOS score", format="%.0f",
                                                 help="7 x basophils % + 4 x spleen cm (Hasford 2011)"),
    "eutos_group": st.column_config.TextColumn("EUTOS risk", help="High when the score is > 87"),
    "months_im_before_thal": st.column_config.NumberColumn("Imatinib before thalidomide (mo)", format="%.1f"),
    "followup_months": st.column_config.NumberColumn("Follow-up on thalidomide (mo)", format="%.1f"),
    "on_thalidomide": st.column_config.CheckboxColumn("On thalidomide"),
    "best_response": st.column_config.TextColumn("Best response on thalidomide"),
}
st.dataframe(table[list(columns)], column_config=columns, hide_index=True)
st.caption("Evaluable for response after 3 months on the combination (the first ELN 2009 milestone).")
