"""The patient page's table of visits and labs (cmltrack.analysis.visits_table) on screen and as CSV."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from cmltrack.analysis import visits_table as vt
from cmltrack.figures.spreadsheet import spreadsheet_csv
from cmltrack.privacy.pseudonyms import deidentify
from cmltrack.ui import downloads, tables


def show(labs: pd.DataFrame, patient_id: str, pseudonyms: Callable[[str], str] | None,
         anchor: pd.Timestamp | None) -> None:
    """Visits newest first under clinical headers; in presentation mode (``pseudonyms``: the session's) months
    since ``anchor`` instead of dates. Numbers stay numbers on screen (a header sorts them) and in the CSV."""
    if labs.empty:
        st.write("No visits recorded.")
        return
    frame = vt.visits(labs)
    if pseudonyms is not None:
        frame = deidentify(frame.assign(patient_id=patient_id), pseudonyms, {patient_id: anchor}).drop(
            columns="patient_id")
    names = vt.headers(frame.columns)
    config = {c: st.column_config.Column(names[c], help=vt.COLUMNS[c].help or None if c in vt.COLUMNS else None)
              for c in frame.columns}
    text = vt.as_text(frame)  # blank for not measured: the grid would write "None"
    if pseudonyms is not None:  # a static table a projector shows whole
        tables.show(text, config)
    else:  # a static table too, every column fitted to the width (1366 px included), scrolling past 10 visits
        with st.container(height=420 if len(text) > 10 else "content", border=False):
            st.table(tables.projected(text, config), hide_index=True)
    st.caption("**gr.**: the CTCAE v5.0 grade of the count before it, derived from the labs (default lower limits "
               "of normal), not a recorded adverse event. Blank: not measured at that visit.")
    st.download_button("Download visits (CSV)",
                       downloads.on_demand(lambda: spreadsheet_csv(frame.rename(columns=names)), "patient",
                                           "visits CSV", [patient_id]),
                       file_name=f"{pseudonyms(patient_id) if pseudonyms else patient_id}_visits.csv", mime="text/csv",
                       key="csv_visits", on_click="ignore")
