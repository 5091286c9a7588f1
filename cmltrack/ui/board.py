"""Presentation mode for tumour boards: pseudonyms, no identifiers or calendar dates, projector-sized text.

The mode is a property of the browser session, not of one URL or one widget. It comes on with ?mode=board (any case;
any other ``mode`` value too, with a warning: a mistyped link fails safe), with the sidebar toggle, or with the
presentation cookie the page keeps while the mode is on (cmltrack.ui.board_cookie), which the server reads in the
first run of every new session: a reload, an edited URL, Back/Forward or a server restart keep the mode before
anything is sent. Within a session it lives in a plain session_state entry (Streamlit drops a widget's own state on
some page switches). It goes off only by the toggle and a confirmation, which also clears the cookie.

The pseudonyms are drawn once per browser session from a seed the cookie carries, so a new session of the same
browser (a reconnect after a server restart) draws the same ones. When it cannot (the patients changed since they
were drawn), the page reloads with new pseudonyms and says so: a pseudonym never silently changes meaning.
"""

from __future__ import annotations

import secrets

import pandas as pd
import streamlit as st

from cmltrack.db.connection import Connection
from cmltrack.privacy.pseudonyms import Pseudonyms, id_set_digest
from cmltrack.ui import board_cookie, session
from cmltrack.ui import data as q

#: The toggle widget's key; the mode itself is kept under STATE (a widget's state can be dropped by Streamlit).
KEY = "board"
STATE = "_board"
PARAM, ON = "mode", "board"
#: Figures are drawn this much larger in presentation mode (fonts, markers, lanes).
SCALE = 1.35
_NAMES, _NAMES_FOR = "_pseudonyms", "_pseudonyms_for"
_CONFIRM, _CLEAR, _NOTES = "_board_confirm_off", "_board_clear_cookie", "_board_notes"
#: Projector type: 19 px body text (the page's rem), nothing smaller than 18 px, black text (captions, labels, table
#: cells included), stronger rules and borders. Below 1,600 px of width (a laptop), tables take 15 px to stay whole.
PROJECTOR_CSS = """<style>
html, body, [data-testid='stAppViewContainer'] { font-size: 19px; color: #000; }
[data-testid='stMarkdownContainer'] p, [data-testid='stMarkdownContainer'] li,
[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] *, [data-testid='stWidgetLabel'] *,
[data-testid='stTable'] td, [data-testid='stTable'] th, [data-testid='stTable'] td *, [data-testid='stTable'] th * {
  font-size: max(1rem, 18px) !important; color: #000 !important; }
[data-testid='stCaptionContainer'] { opacity: 1 !important; }
[data-testid='stTable'] td, [data-testid='stTable'] th { border-color: #000 !important; }
[data-testid='stVerticalBlockBorderWrapper'], [data-testid='stExpander'] details { border: 2px solid #000 !important; }
[data-testid='stSidebar'] { background: #fff; border-right: 2px solid #000; }
[data-testid='stMainBlockContainer'] { padding-top: 3.6rem; }  /* clear of the header's buttons */
[class*='st-key-board_question'] input { font-size: 1.5rem; font-weight: 600; color: #000; }
[data-testid^='stBaseButton'] { padding-left: 0.55rem; padding-right: 0.55rem; }  /* whole labels in narrow columns */
@media (max-width: 1600px) {  /* a laptop rather than a 1080p projector: wide tables keep every column in view */
  [data-testid='stTable'] td, [data-testid='stTable'] th, [data-testid='stTable'] td *,
  [data-testid='stTable'] th * { font-size: 15px !important; } }
</style>"""


def _url_mode() -> str | None:
    """The ``mode`` URL parameter as given (stripped), or None when absent or empty."""
    value = st.query_params.get(PARAM)
    return value.strip() or None if isinstance(value, str) else None


def active() -> bool:
    """Whether presentation mode is on in this browser session."""
    if st.session_state.get(STATE) is None:  # the session's first run: the cookie the browser sent
        st.session_state[STATE] = board_cookie.read() is not None
    if _url_mode() is not None:  # a link can turn the mode on, never off
        st.session_state[STATE] = True
    return bool(st.session_state[STATE])


def scale() -> float:
    """Figure scale for the current mode."""
    return SCALE if active() else 1.0


def turn_on() -> None:
    """Turn presentation mode on (a callback may call it; turning it off needs the toggle and a confirmation)."""
    st.session_state[STATE] = True


def _toggled() -> None:
    if st.session_state[KEY]:
        st.session_state[STATE] = True
    else:  # stays on until the user confirms (the toggle snaps back on meanwhile)
        st.session_state[_CONFIRM] = True


def _turn_off() -> None:
    st.session_state[STATE] = False
    st.session_state[_CLEAR] = True
    if PARAM in st.query_params:
        del st.query_params[PARAM]


@st.dialog("Leave presentation mode?")
def _confirm_off() -> None:
    st.markdown("Patient IDs, names, MRNs and calendar dates will show **on this screen** and on every page of this "
                "browser, and exports will carry them. Is the screen still shared?")
    keep, leave = st.columns(2)
    keep.button("Keep presentation mode", key="board_keep", width="stretch")
    leave.button("Turn it off", key="board_leave", type="primary", on_click=_turn_off, width="stretch")


#: Notes the mode leaves for the user, shown above every page until dismissed.
NOTES = {
    "unknown_mode": ("A link asked for a mode this app does not know; presentation mode is on to be safe (its link "
                     "is ?mode=board). Turn it off in the sidebar if the screen is not shared.",
                     ":material/visibility_off:"),
    "redrawn": ("**New pseudonyms.** This browser's earlier pseudonyms could not be restored (the patients in the "
                "database changed since they were drawn), so they were drawn anew: a P-number seen before this notice "
                "means another patient now.", ":material/sync_problem:"),
}


def _note(name: str) -> None:
    st.session_state.setdefault(_NOTES, set()).add(name)


def _show_notes() -> None:
    for name in sorted(st.session_state.get(_NOTES, ())):
        text, icon = NOTES[name]
        st.warning(text, icon=icon)
        st.button("Understood", key=f"board_note_{name}", on_click=st.session_state[_NOTES].discard, args=(name,))


def render_toggle() -> bool:
    """The sidebar toggle and everything the mode needs at the start of a run; returns whether the mode is on."""
    on = active()
    mode = _url_mode()
    if mode is not None and mode.lower() != ON:
        _note("unknown_mode")
    st.session_state[KEY] = on  # the toggle shows the mode; set before it is drawn
    st.sidebar.toggle("Presentation mode", key=KEY, on_change=_toggled,
                      help="For tumour boards: pseudonyms instead of IDs and names, no calendar dates (months since "
                           "thalidomide start), larger text. Also ?mode=board in a link. Stays on in this browser "
                           "(reloads, links, Back) until turned off here.")
    if st.session_state.pop(_CONFIRM, False):
        _confirm_off()
    if st.session_state.pop(_CLEAR, False):
        board_cookie.write(None)
    if not on:
        st.session_state.pop(_NOTES, None)
        return False
    st.set_page_config(initial_sidebar_state="collapsed")  # the screen is for the charts; the sidebar opens on click
    if st.query_params.get(PARAM) != ON:
        st.query_params[PARAM] = ON
    names = pseudonyms(session.cursor())  # drawn (or restored) before the page shows anything
    board_cookie.write(board_cookie.BoardCookie(names.seed, names.digest))
    _show_notes()
    st.html(PROJECTOR_CSS)
    return True


def _first_draw(ids: list[str]) -> Pseudonyms:
    """This session's pseudonyms: the browser's own when its cookie holds a seed drawn over these patients; else
    new ones, and when the cookie held a seed for other patients, the page reloads with them and says so."""
    cookie = board_cookie.read()
    if cookie is not None and cookie.seed is not None and cookie.digest == id_set_digest(ids):
        if cookie.redrawn:
            _note("redrawn")
        return Pseudonyms(ids, cookie.seed)
    names = Pseudonyms(ids, secrets.randbits(64))
    if cookie is not None and cookie.seed is not None:  # a stale screen may show the old ones: reload
        board_cookie.write(board_cookie.BoardCookie(names.seed, names.digest, redrawn=True), reload=True)
        st.info("Reloading: this browser's pseudonyms are drawn anew.", icon=":material/sync:")
        st.stop()
    return names


def pseudonyms(con: Connection) -> Pseudonyms:
    """This browser session's pseudonyms for every patient in the database."""
    names = st.session_state.get(_NAMES)
    if names is None or st.session_state.get(_NAMES_FOR) != st.session_state.get("_db_key"):
        ids = q.patient_choices(con)["patient_id"].tolist()
        if names is None:
            names = _first_draw(ids)
            st.session_state[_NAMES] = names
        else:
            names.extend(ids)  # a replaced database adds patients; the ones on screen keep their pseudonyms
        st.session_state[_NAMES_FOR] = st.session_state.get("_db_key")
    return names


def labels(con: Connection, patient_ids: pd.Series) -> pd.Series:
    """How patients are named on screen: pseudonyms in presentation mode, ids otherwise."""
    return patient_ids.map(pseudonyms(con)) if active() else patient_ids
