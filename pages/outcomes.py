"""Outcomes: the abstract's figures recomputed, responses by status with exact CIs, Kaplan-Meier curves."""

import streamlit as st

from cmltrack.analysis import outcomes
from cmltrack.db.filters import CohortFilter
from cmltrack.figures.outcomes import km_figure
from cmltrack.timeaxis import MONTH_DAYS
from cmltrack.ui import analyses, board, cohort_page, help_texts, sidebar, tables
from cmltrack.ui import data as q
from cmltrack.ui.escape import md

con, lanes = cohort_page.start("Outcomes")
guideline = sidebar.current_guideline()

thal_here = bool(lanes["thal_start_date"].notna().any())
with st.spinner("Recomputing the abstract on every patient..."):  # seconds once per database version, then cached
    abstract = analyses.abstract_table(con, guideline)
if abstract is not None:  # an imported trial without thalidomide has nothing to compare
    # the abstract's own 21 patients: its table first; any other registry: the comparison on request, without the
    # notes about what 21 patients can give
    _, everyone = q.count_patients(con, CohortFilter())  # every patient in the database
    own = everyone == outcomes.ABSTRACT_PATIENTS
    section = st.container() if own else st.expander(
        f"The source abstract ({outcomes.ABSTRACT_PATIENTS} patients) against this registry's {everyone:,}")
    with section:
        st.markdown("#### The source abstract, recomputed from the data")
        tables.show(abstract, height=min(38 + 35 * len(abstract), 720))
        st.caption(f"{outcomes.ABSTRACT_CITATION}, against every patient in the database (not the filter)."
                   + (f" Printed percentages no {outcomes.ABSTRACT_PATIENTS} patients can give: "
                      + "; ".join(note for _, note in outcomes.KNOWN_DISCREPANCIES.values()) + "." if own else ""))

if thal_here:
    st.markdown("#### Response on thalidomide, filtered cohort")
    left, right = st.columns([1, 1.4])
    with left:
        tables.show(outcomes.response_table(lanes))
    rates = outcomes.response_rates(lanes)
    with right:
        tables.show(rates, {"Responders": st.column_config.NumberColumn(format="localized"),  # 3,628 as elsewhere
                            "Evaluable": st.column_config.NumberColumn(format="localized"),
                            "Rate (%)": st.column_config.NumberColumn(format="%.1f"),
                            "95% CI low (%)": st.column_config.NumberColumn(format="%.1f"),
                            "95% CI high (%)": st.column_config.NumberColumn(format="%.1f")})
    right.caption("Among patients evaluable for response (12 weeks on thalidomide). Exact (Clopper-Pearson) 95% "
                  "confidence intervals.")

endpoints = analyses.endpoints(con, sidebar.current_filter(), guideline)
if not endpoints.empty:
    st.markdown("#### Trial endpoints as delivered (imported ADTTE)")
    labels = dict(zip(endpoints["parameter"], endpoints["label"]))
    chosen = st.selectbox("Endpoint", list(labels), format_func=lambda p: f"{labels[p]} ({p})", key="endpoint")
    rows = endpoints[endpoints["parameter"] == chosen]
    curve = rows.assign(duration=rows["days"] / MONTH_DAYS, event=(~rows["censored"].astype(bool)).astype(int))
    groups = outcomes.by_arm(curve, lanes)  # a trial's arms as randomised, one curve each
    figure = km_figure(groups, labels[chosen], scale=board.scale(), x_title="Months from the endpoint's origin",
                       y_title="Event-free (%)")
    st.plotly_chart(figure, config={"displaylogo": False}, key="km_endpoint")
    st.caption(f"Kaplan-Meier of {md(labels[chosen])} as analysed by the trial (AVAL, CNSR: 0 event, else censored), "
               f"{len(rows)} patients, {int(curve['event'].sum())} events; months of {MONTH_DAYS} days"
               + ("; one curve per arm as randomised." if len(groups) > 1 else "."))
courses = analyses.tfr_courses(con, sidebar.current_filter(), guideline)
if not courses.empty:
    st.markdown("#### Treatment-free remission")
    tfr = outcomes.tfr_durations(courses)
    st.plotly_chart(km_figure({"All": tfr}, "Remaining in treatment-free remission", scale=board.scale(),
                              x_title="Months since the TKI stop", y_title="In TFR (%)"),
                    config={"displaylogo": False}, key="km_tfr")
    median = outcomes.median_time(tfr)
    ended = tfr["ended_by"].value_counts()
    st.caption(f"Kaplan-Meier of remaining in TFR after a TKI stop for treatment-free remission: {len(tfr)} stops "
               f"by {tfr['patient_id'].nunique()} patients; ended by molecular recurrence "
               f"({help_texts.molecular_recurrence()}) in {ended.get('loss of MMR', 0)} and by a TKI restart "
               f"without a recorded loss in {ended.get('restart', 0)}; censored at the last visit while still off TKI "
               f"({ended.get('still in TFR', 0)}). Median "
               + ("not reached" if median is None else f"{median:.1f} months") + "; 95% confidence bands.")
if not thal_here:
    st.info("No patient shown took thalidomide: response on thalidomide, time to response and time on thalidomide "
            "need it.")
    st.stop()
st.markdown("#### Time to response and time on thalidomide")
with st.spinner("Computing the curves..."):  # seconds once per database version and filter, then cached
    curves = analyses.outcome_figures(con, sidebar.current_filter(), guideline, board.scale())
for title, figure in curves:
    st.plotly_chart(figure, config={"displaylogo": False}, key=f"km_{title}")
st.caption("Time to CCyR: cumulative incidence (Aalen-Johansen) of the first response of CCyR depth or deeper after "
           f"thalidomide start (up to 30 days after stopping it; {sidebar.guideline_label(guideline)} responses), "
           "with stopping thalidomide and progression to AP/BP "
           "as competing events; censored at the last marrow or BCR::ABL1 result; patients already in CCyR at the "
           "start are left out. Time on thalidomide: Kaplan-Meier from first start to final stop, with 95% "
           "confidence bands (log-log, Greenwood), censored while still taken at the last visit. Ticks mark "
           "censored patients.")
