"""The common start of every cohort page: title, filtered lanes, or a message in words when there are none."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cmltrack.db.connection import Connection
from cmltrack.ui import data as q
from cmltrack.ui import session, shell, sidebar


def start(title: str) -> tuple[Connection, pd.DataFrame]:
    """Check the page runs inside app.py, draw its title, and return the cursor and the filtered lanes.

    Stops the page after saying why when no patient passes the filters.
    """
    shell.require_app()
    con = session.cursor()
    cohort_filter = sidebar.current_filter()
    st.subheader(title)
    lanes = q.cohort_lanes(con, cohort_filter, sidebar.current_guideline())
    if lanes.empty:
        sidebar.show_empty(cohort_filter, st.session_state.get("cohort_total", 0))
        st.stop()
    return con, lanes
