"""Presentation mode for tumour boards: pseudonyms, no identifiers or calendar dates, projector-sized text.

On with the sidebar toggle or ?mode=board; the pseudonyms are drawn once per browser session.
"""

from __future__ import annotations

import secrets

import pandas as pd
import streamlit as st

from cmltrack.db.connection import Connection
from cmltrack.privacy.pseudonyms import Pseudonyms
from cmltrack.ui import data as q

KEY = "board"
#: Figures are drawn this much larger in presentation mode (fonts, markers, lanes).
SCALE = 1.35


def _sync_url() -> None:
    if st.session_state.get(KEY):
        st.query_params["mode"] = "board"
    elif "mode" in st.query_params:
        del st.query_params["mode"]


def render_toggle() -> bool:
    """The sidebar toggle (its first value comes from ?mode=board); returns whether the mode is on."""
    if KEY not in st.session_state:
        st.session_state[KEY] = st.query_params.get("mode") == "board"
    st.sidebar.toggle("Presentation mode", key=KEY, on_change=_sync_url,
                      help="For tumour boards: pseudonyms instead of IDs and names, no calendar dates (months since "
                           "thalidomide start), larger text. Also ?mode=board in the URL.")
    if st.session_state[KEY]:
        _sync_url()
        # projector: larger type, black text (captions included), stronger rules and borders
        st.html("<style>html, body, [data-testid='stAppViewContainer'] { font-size: 19px; color: #000; }"
                "[data-testid='stMarkdownContainer'] p, [data-testid='stCaptionContainer'] "
                "{ font-size: 1.05rem; color: #000 !important; }"
                "[data-testid='stVerticalBlockBorderWrapper'], [data-testid='stExpander'] details "
                "{ border: 2px solid #000 !important; }"
                "[data-testid='stSidebar'] { background: #fff; border-right: 2px solid #000; }</style>")
    return bool(st.session_state[KEY])


def active() -> bool:
    """Whether presentation mode is on in this session."""
    return bool(st.session_state.get(KEY))


def scale() -> float:
    """Figure scale for the current mode."""
    return SCALE if active() else 1.0


def pseudonyms(con: Connection) -> Pseudonyms:
    """This session's pseudonyms for every patient in the database."""
    names = st.session_state.get("_pseudonyms")
    if names is None or st.session_state.get("_pseudonyms_for") != st.session_state.get("_db_key"):
        ids = q.patient_choices(con)["patient_id"].tolist()
        if names is None:
            names = Pseudonyms(ids, secrets.randbits(64))
            st.session_state["_pseudonyms"] = names
        else:
            names.extend(ids)  # a replaced database adds patients; the ones on screen keep their pseudonyms
        st.session_state["_pseudonyms_for"] = st.session_state.get("_db_key")
    return names


def labels(con: Connection, patient_ids: pd.Series) -> pd.Series:
    """How patients are named on screen: pseudonyms in presentation mode, ids otherwise."""
    return patient_ids.map(pseudonyms(con)) if active() else patient_ids
