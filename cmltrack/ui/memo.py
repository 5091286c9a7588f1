"""A browser session's memo of the Cohort page's costly steps between reruns (ordering 100,000 lanes, building the
swimmer and the overview: about a second at 100,000 patients): a click that returns to a view seen before (a filter
turned back, the previous page of lanes, a return from another page) reuses what that view computed.

Per session, in st.session_state, not in st.cache_data: the values hold this session's pseudonyms and agenda, and
are used as they are (no pickling). Each step keeps its few latest views; every key includes the database version.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")

_STATE = "_memo"


def remembered(step: str, key: Hashable, compute: Callable[[], T], keep: int = 2) -> T:
    """``compute()`` for ``key``, or what it gave for that key in one of the ``keep`` latest views of ``step``.
    The value is shared between reruns: callers must not modify it."""
    views: OrderedDict[Hashable, object] = st.session_state.setdefault(_STATE, {}).setdefault(step, OrderedDict())
    if key in views:
        views.move_to_end(key)
        return views[key]  # type: ignore[return-value]
    value = compute()
    views[key] = value
    while len(views) > keep:
        views.popitem(last=False)
    return value
