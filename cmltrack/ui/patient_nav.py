"""Which patient the patient page shows: ?patient=ID in the URL, a picker, previous / next in the filtered cohort."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cmltrack.deid import Pseudonyms

PARAM = "patient"


def requested(pseudonyms: Pseudonyms) -> str | None:
    """The patient in the URL, if any: an id, or one of this session's pseudonyms (returned as the id behind it).
    Anything else is returned as written, so the page can say it is unknown."""
    value = st.query_params.get(PARAM)
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    return pseudonyms.real(value) or value


def go_to(patient_id: str, pseudonyms: Pseudonyms | None = None) -> None:
    """Show ``patient_id``, keeping it (its pseudonym in presentation mode) in the URL for sharing."""
    st.query_params[PARAM] = pseudonyms(patient_id) if pseudonyms is not None else patient_id


def _picked(pseudonyms: Pseudonyms | None) -> None:
    go_to(st.session_state["patient_picker"], pseudonyms)


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
    st.selectbox("Patient", ids, key="patient_picker", on_change=_picked, args=(pseudonyms,), format_func=show,
                 placeholder="Search by pseudonym" if pseudonyms is not None else "Search by ID or name",
                 label_visibility="collapsed")


def neighbours(cohort_ids: list[str], current: str) -> tuple[str | None, str | None]:
    """Previous and next patient of ``current`` in the filtered cohort's order."""
    if current not in cohort_ids:
        return None, None
    i = cohort_ids.index(current)
    return (cohort_ids[i - 1] if i > 0 else None), (cohort_ids[i + 1] if i + 1 < len(cohort_ids) else None)
