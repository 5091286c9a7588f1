"""The tumour board's agenda: the patients a clinician picks to present, in order, kept for the browser session.

Patients are picked from the swimmer (click mode "add to the agenda"), the Patients table or the patient page; the
Board page orders them, builds the deck from them and starts the presentation. While the patient shown is on the
agenda, Previous and Next follow the agenda. The agenda holds patient ids on the server only; the screen names
them as the mode does (pseudonyms in presentation mode). The open question a presenter types is shown with the
patient and kept nowhere: it is a widget of that patient's screen, dropped when the screen moves on.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

KEY = "_agenda"
QUESTION = "board_question"


def items() -> list[str]:
    """The agenda's patient ids, in order."""
    return list(st.session_state.get(KEY, ()))


def _save(ids: list[str]) -> None:
    st.session_state[KEY] = ids


def add(patient_ids: Iterable[str]) -> int:
    """Append the patients not yet on the agenda; return how many were added."""
    current = items()
    new = [pid for pid in dict.fromkeys(patient_ids) if pid and pid not in current]
    _save(current + new)
    return len(new)


def remove(patient_id: str) -> None:
    """Take a patient off the agenda."""
    _save([pid for pid in items() if pid != patient_id])


def toggle(patient_id: str) -> bool:
    """Add the patient, or take them off when already there; return whether they are on the agenda now."""
    if patient_id in items():
        remove(patient_id)
        return False
    add([patient_id])
    return True


def move(patient_id: str, step: int) -> None:
    """Move a patient ``step`` places later (negative: earlier) on the agenda."""
    ids = items()
    if patient_id not in ids:
        return
    i = ids.index(patient_id)
    j = min(max(i + step, 0), len(ids) - 1)
    ids.insert(j, ids.pop(i))
    _save(ids)


def clear() -> None:
    """Empty the agenda."""
    _save([])


def keep_only(known: Iterable[str]) -> None:
    """Drop patients no longer in the database (an import replaced it)."""
    known = set(known)
    _save([pid for pid in items() if pid in known])


def position(patient_id: str | None) -> tuple[int, int] | None:
    """(1-based place, length) of a patient on the agenda, or None when not on it."""
    ids = items()
    return (ids.index(patient_id) + 1, len(ids)) if patient_id in ids else None


def question_key() -> str:
    """The key of the open-question box of the screen shown now: a new screen, a new (empty) box. It names no
    patient (a widget's key reaches the browser)."""
    return f"{QUESTION}_{st.session_state.get('_screen', 0)}"


def forget_question() -> None:
    """Leave the open question typed for the patient on screen behind: the next screen has a box of its own, and
    Streamlit drops the old box's value when it is no longer drawn."""
    st.session_state["_screen"] = st.session_state.get("_screen", 0) + 1
