"""What every page shares in its look: the favicon (served by this server, never fetched from a font CDN: a
hospital network may block outside requests, and a request to one tells it who is working) and the page's top
margin (Streamlit's 6rem above the title is 90 px of nothing on a 1080p screen)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

#: The tab's icon, a local file (Streamlit serves it from its own media endpoint).
FAVICON = Path(__file__).with_name("static") / "favicon.png"
#: The main column starts just below the header bar (its menu button, 3.75rem high) instead of 6rem down.
PAGE_CSS = """<style>
[data-testid='stMainBlockContainer'] { padding-top: 2.6rem; }
</style>"""


def apply() -> None:
    """Draw the shared page style (call once per run, before the page)."""
    st.html(PAGE_CSS)
