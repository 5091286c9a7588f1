"""Safety: adverse events by term and worst grade, by attributed drug, onset, exposure-adjusted rates."""

import streamlit as st

from cmltrack import safety
from cmltrack.db import queries as q
from cmltrack.figures.safety import grade_bars, onset_strip
from cmltrack.ui import board, cohort_page

con, lanes = cohort_page.start("Safety")
ids = lanes["patient_id"].tolist()
aes = q.adverse_events_for(con, ids)
if aes.empty:
    st.info("No adverse events are recorded for the patients shown.")
    st.stop()

by_patient = lanes.set_index("patient_id")
worst = safety.worst_grade_by_term(aes)
scale = board.scale()
st.plotly_chart(grade_bars(worst.drop(columns="patients"), "Patients by the worst grade of each adverse event",
                           "Patients", scale), config={"displaylogo": False}, key="worst")
left, right = st.columns(2)
with left:
    st.plotly_chart(grade_bars(safety.by_attribution(aes), "Events by attributed drug", "Events", scale),
                    config={"displaylogo": False}, key="attribution")
with right:
    rates = safety.exposure_adjusted(aes, q.treatments_for(con, ids), by_patient["last_visit_date"])
    st.markdown("**Exposure-adjusted rates**")
    st.dataframe(rates, hide_index=True, column_config={
        "drug": "Drug", "events": "Events attributed", "patient_months": "Patient-months",
        "per_100_pm": st.column_config.NumberColumn("Per 100 patient-months", format="%.1f"),
        "ci_low": st.column_config.NumberColumn("95% CI low", format="%.1f"),
        "ci_high": st.column_config.NumberColumn("95% CI high", format="%.1f")})
    st.caption("Events attributed to the drug per 100 patient-months on it (ongoing treatment counted to the "
               "last visit); exact Poisson 95% intervals.")
onsets = safety.onset_months(aes, by_patient["thal_start_date"])
if len(onsets):
    st.plotly_chart(onset_strip(onsets, scale), config={"displaylogo": False}, key="onset")
st.caption(f"{len(aes)} adverse events in {aes['patient_id'].nunique()} of {len(lanes)} patients; CTCAE grades as "
           f"recorded (version {', '.join(sorted(aes['ctcae_version'].dropna().unique())) or 'not recorded'}).")
