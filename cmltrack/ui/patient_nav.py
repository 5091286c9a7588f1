"""Which patient the patient page shows.

Normal mode: ?patient=ID in the URL (a link can be shared). Presentation mode: the patient is kept in the browser
session only. A pseudonym means a different patient in every session, so it never goes into a URL, and a link
carrying one is refused rather than resolved to whoever has that pseudonym now.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from cmltrack.privacy.pseudonyms import Pseudonyms
from cmltrack.ui import agenda, board

PARAM = "patient"
CURRENT = "patient_current"
PSEUDONYM = re.compile(r"P-\d+|P-\?")


def requested() -> tuple[str | None, str | None]:
    """(patient id to show or None, a message to show or None)."""
    value = st.query_params.get(PARAM)
    value = value.strip() if isinstance(value, str) and value.strip() else None
    if value is not None and PSEUDONYM.fullmatch(value):
        del st.query_params[PARAM]
        return st.session_state.get(CURRENT), ("A link cannot open a patient by pseudonym: pseudonyms are drawn anew "
                                                "for every browser session. Pick the patient below.")
    if board.active():
        if value is not None:  # a link with a real id: take it, and take it off the screen
            st.session_state[CURRENT] = value
            del st.query_params[PARAM]
        return st.session_state.get(CURRENT), None
    return value or st.session_state.get(CURRENT), None


def _show(patient_id: str) -> None:
    """Make ``patient_id`` the patient shown; the open question typed for the one left behind goes with them."""
    if st.session_state.get(CURRENT) != patient_id:
        agenda.forget_question()
    st.session_state[CURRENT] = patient_id


def go_to(patient_id: str) -> None:
    """Show ``patient_id``; in normal mode also put it in the URL for sharing (the mode is read when this runs, also
    as a button's callback)."""
    _show(patient_id)
    if board.active():
        if PARAM in st.query_params:
            del st.query_params[PARAM]
    else:
        st.query_params[PARAM] = patient_id


def open_patient(patient_id: str) -> None:
    """Switch to the patient page showing ``patient_id`` (ends this run): by id in the URL in normal mode; in
    presentation mode only in the session, and the URL keeps ?mode=board."""
    _show(patient_id)
    st.switch_page("pages/patient.py",
                   query_params={board.PARAM: board.ON} if board.active() else {PARAM: patient_id})


def _picked() -> None:
    go_to(st.session_state["patient_picker"])


def picker(choices: pd.DataFrame, current: str | None, pseudonyms: Pseudonyms | None) -> None:
    """A searchable patient picker: ID and name, or only pseudonyms in presentation mode."""
    if pseudonyms is not None:
        ids = sorted(choices["patient_id"], key=pseudonyms)
        show = pseudonyms
    else:
        ids = choices["patient_id"].tolist()
        names = dict(zip(choices["patient_id"], choices["display_name"].fillna("")))

        def show(pid: str) -> str:
            return f"{pid} · {names[pid]}" if names.get(pid) else pid
    st.session_state["patient_picker"] = current if current in set(ids) else None
    st.selectbox("Patient", ids, key="patient_picker", on_change=_picked,
                 format_func=show, placeholder="Search by pseudonym" if pseudonyms is not None else
                 "Search by ID or name", label_visibility="collapsed")


def neighbours(order: list[str], current: str) -> tuple[str | None, str | None]:
    """Previous and next patient of ``current`` in ``order`` (the agenda, or the filtered cohort)."""
    if current not in order:
        return None, None
    i = order.index(current)
    return (order[i - 1] if i > 0 else None), (order[i + 1] if i + 1 < len(order) else None)
