"""What every page shares in its look: the page's top margin (Streamlit's 6rem above the title is 90 px of nothing
on a 1080p screen). The tab's icon is `shell.ICON`, served by this server."""

from __future__ import annotations

import streamlit as st

#: The main column starts just below the header bar (its menu button, 3.75rem high) instead of 6rem down.
PAGE_CSS = """<style>
[data-testid='stMainBlockContainer'] { padding-top: 2.6rem; }
</style>"""


def apply() -> None:
    """Draw the shared page style (call once per run, before the page)."""
    st.html(PAGE_CSS)
