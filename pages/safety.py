"""Safety: adverse events by term and worst grade, by attributed drug, onset, exposure-adjusted rates."""

import pandas as pd
import streamlit as st

from cmltrack.analysis import safety
from cmltrack.privacy.pseudonyms import ae_label
from cmltrack.ui import analyses, board, cohort_page, sidebar, tables
from cmltrack.ui.escape import md

PERIODS = {"emergent": "Since thalidomide start (treatment-emergent)", "all": "Whole record (imatinib years too)"}

con, lanes = cohort_page.start("Safety")
default_period = "emergent" if lanes["thal_start_date"].notna().any() else "all"  # an imported trial: whole record
period = st.segmented_control("Adverse events", list(PERIODS), format_func=PERIODS.get, default=default_period,
                              required=True, key="ae_period") or default_period
scale = board.scale()
with st.spinner("Counting adverse events..."):  # seconds the first time at 100,000 patients, then cached
    view = analyses.safety_view(con, sidebar.current_filter(), sidebar.current_guideline(), period, scale)
if not view["events"]:
    st.info("No adverse events are recorded for the patients shown in this period.")
    st.stop()

st.plotly_chart(view["worst"], config={"displaylogo": False}, key="worst")
st.plotly_chart(view["attribution"], config={"displaylogo": False}, key="attribution")
# the rates table takes the full width: it has eleven columns
st.markdown("**Exposure-adjusted rates**")
pct = {"format": "%.0f"}
tables.show(view["rates"], {
    "drug": "Drug", "patients": st.column_config.NumberColumn("Patients exposed", format="localized"),
    "patients_with_event": st.column_config.NumberColumn("With an event", format="localized"),
    "pct_patients": st.column_config.NumberColumn("% of patients", **pct),
    "pct_low": st.column_config.NumberColumn("95% CI low", **pct),
    "pct_high": st.column_config.NumberColumn("95% CI high", **pct),
    "events": st.column_config.NumberColumn("Events", format="localized"),
    "patient_months": st.column_config.NumberColumn("Patient-months", format="localized"),
    "per_100_pm": st.column_config.NumberColumn("Events per 100 patient-months", format="%.1f"),
    "ci_low": st.column_config.NumberColumn("Rate CI low", format="%.1f"),
    "ci_high": st.column_config.NumberColumn("Rate CI high", format="%.1f")})
st.caption("Events attributed to the drug over patient-months on it in the period (ongoing treatment counted "
           "to the last visit). Patient incidence with exact (Clopper-Pearson) intervals; event rates with exact "
           "Poisson intervals, which assume independent events and are too narrow when patients have repeats.")
if view["onset"] is not None:
    st.plotly_chart(view["onset"], config={"displaylogo": False}, key="onset")
st.caption(f"{view['events']:,} adverse events in {view['patients']:,} of {len(lanes):,} patients "
           f"({PERIODS[period].lower()}; treatment-emergent: onset from thalidomide start to "
           f"{safety.EMERGENT_DAYS} days after it stopped). CTCAE grades as recorded (version "
           f"{md(', '.join(view['versions'])) or 'not recorded'}).")
unknown = view["unknown"]
if len(unknown):
    st.markdown(f"**{len(unknown)} adverse events of unknown onset**")
    tables.show(pd.DataFrame({
        "Patient": board.labels(con, unknown["patient_id"]),
        "Event": ae_label(unknown["meddra_pt"], unknown["term"], board=board.active()),
        "Grade": unknown["ctcae_grade"],
        "Serious": unknown["serious"].map({True: "yes", False: "no"}).fillna("not recorded"),
        "Attributed to": unknown["attributed_drug"].fillna("not attributed")}))
    st.caption("The source gives no onset date for these events: they are counted in the tables above (as "
               "treatment-emergent, the conservative reading, when the period is the treatment-emergent one) but "
               "have no place in the onset chart.")
if lanes["arm"].notna().any():
    st.markdown("**Patients with adverse events by treatment arm** (as randomised)")
    pct = {"format": "%.0f%%"}
    st.dataframe(view["by_arm"], hide_index=True, column_config={
        "arm": "Arm", "patients": "Patients", "with_event": "With an event",
        "pct_event": st.column_config.NumberColumn("%", **pct), "grade3plus": "Grade 3 or worse",
        "pct_grade3plus": st.column_config.NumberColumn("% ", **pct), "serious": "Serious",
        "pct_serious": st.column_config.NumberColumn("%  ", **pct)})
if view["by_severity"]:
    st.warning(f"{view['by_severity']} of these {view['events']} events have no CTCAE grade: their recorded "
               "severity is counted as a grade (mild 1, moderate 2, severe 3). Severity is not a CTCAE grade; read "
               "those columns with care.", icon=":material/warning:")
