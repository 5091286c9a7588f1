"""The common start of every cohort page (title, filtered lanes, or a message in words when there are none) and the
swimmer as the Cohort page draws it, also for the board's deck."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from cmltrack.db.connection import Connection
from cmltrack.figures.swimmer import SORTS, build_swimmer, order_lanes
from cmltrack.timeaxis import ANCHORS
from cmltrack.ui import agenda, board, session, shell, sidebar
from cmltrack.ui import data as q

#: "History shown": months before the anchor the view starts at (None: all).
WINDOWS: dict[str, int | None] = {"12": 12, "24": 24, "60": 60, "all": None}


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


def default_anchor(lanes: pd.DataFrame) -> str:
    """Months since thalidomide start; a registry without thalidomide (an imported trial) uses the first drug."""
    return "thalidomide" if lanes["thal_start_date"].notna().any() else "treatment"


def default_window(anchor: str) -> str:
    """12 months of history before a treatment start (24 took 57% of the width and squeezed the time on
    thalidomide); everything before imatinib start or diagnosis."""
    return "12" if anchor in ("thalidomide", "treatment") else "all"


def default_sort(lanes: pd.DataFrame) -> str:
    """Time on thalidomide; time since the first drug when no patient took thalidomide."""
    return "thal_months" if lanes["thal_start_date"].notna().any() else "treatment_months"


def on_screen(con: Connection, lanes: pd.DataFrame) -> pd.DataFrame:
    """``lanes`` with what the screen names them by (``label``: pseudonyms in presentation mode) and their place on
    the board's agenda (``note``, e.g. '[2]')."""
    places = {pid: i + 1 for i, pid in enumerate(agenda.items())}
    return lanes.assign(label=board.labels(con, lanes["patient_id"]),
                        note=lanes["patient_id"].map(lambda pid: f"[{places[pid]}]" if pid in places else ""))


def find_lane(ordered: pd.DataFrame, text: str | None) -> tuple[int | None, int]:
    """Where the patient typed in the jump box is among the ``ordered`` lanes: the position of the lane whose label
    (as shown: a pseudonym in presentation mode) is ``text`` in any case, else of the only label holding it; and how
    many labels hold it (0: none)."""
    wanted = (text or "").strip().casefold()
    if not wanted:
        return None, 0
    names = ordered["label"].astype(str).str.casefold()
    exact = (names == wanted).to_numpy().nonzero()[0]
    holding = names.str.contains(wanted, regex=False).to_numpy().nonzero()[0]
    if len(exact):
        return int(exact[0]), len(holding)
    return (int(holding[0]) if len(holding) == 1 else None), len(holding)


def swimmer(con: Connection, shown: pd.DataFrame, anchor: str, window: str, guideline: str) -> go.Figure:
    """The swimmer of the lanes ``shown`` (ordered, one page), drawn for the current mode."""
    ids = shown["patient_id"].tolist()
    return build_swimmer(shown, q.treatments_for(con, ids), q.events_for(con, ids, guideline), anchor=anchor,
                         months_before=WINDOWS[window], board=board.active(), scale=board.scale(),
                         tfr=q.tfr_for(con, ids))


def current_swimmer(con: Connection, lanes: pd.DataFrame, guideline: str, most: int = 25) -> go.Figure:
    """The first page (at most ``most`` lanes) of the swimmer with the Cohort page's current settings."""
    anchor = st.session_state.get("anchor")
    if anchor not in ANCHORS or lanes[ANCHORS[anchor][1]].isna().all():
        anchor = default_anchor(lanes)
    window = st.session_state.get("window") if st.session_state.get("window") in WINDOWS else default_window(anchor)
    sort = st.session_state.get("sort") if st.session_state.get("sort") in SORTS else default_sort(lanes)
    band = st.session_state.get("band") if q.arms(con) else bool(st.session_state.get("group", True))
    ordered = order_lanes(on_screen(con, lanes), sort, band if band is not None else True)
    return swimmer(con, ordered.iloc[:min(most, int(st.session_state.get("per_page") or most))], anchor, window,
                   guideline)
