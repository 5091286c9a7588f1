"""Which patient the patient page shows: ?patient=ID in the URL, a picker, previous / next in the filtered cohort."""

from __future__ import annotations

import pandas as pd
import streamlit as st

PARAM = "patient"


def requested() -> str | None:
    """The patient id in the URL, if any."""
    value = st.query_params.get(PARAM)
    return value.strip() if isinstance(value, str) and value.strip() else None


def go_to(patient_id: str) -> None:
    """Show ``patient_id`` (and keep it in the URL for sharing)."""
    st.query_params[PARAM] = patient_id


def _picked() -> None:
    go_to(st.session_state["patient_picker"])


def picker(choices: pd.DataFrame, current: str | None) -> None:
    """A searchable patient picker (type an id or a name)."""
    ids = choices["patient_id"].tolist()
    names = dict(zip(choices["patient_id"], choices["display_name"].fillna("")))
    st.session_state["patient_picker"] = current if current in names else None
    st.selectbox("Patient", ids, key="patient_picker", on_change=_picked,
                 format_func=lambda pid: f"{pid} · {names[pid]}" if names.get(pid) else pid,
                 placeholder="Search by ID or name", label_visibility="collapsed")


def neighbours(cohort_ids: list[str], current: str) -> tuple[str | None, str | None]:
    """Previous and next patient of ``current`` in the filtered cohort's order."""
    if current not in cohort_ids:
        return None, None
    i = cohort_ids.index(current)
    return (cohort_ids[i - 1] if i > 0 else None), (cohort_ids[i + 1] if i + 1 < len(cohort_ids) else None)
