"""Keep Streamlit in st.navigation mode although a folder named pages/ sits beside app.py.

Streamlit treats any pages/ folder next to the main script as a legacy (v1) multipage app: on a run whose requested
page matches a file in pages/ (a first visit on a deep link, or a rerun), it executes that file alone, without
app.py, so the shared sidebar and the real navigation are missing. app.py turns that mode off on every run, and each
page checks that app.py is running it; a page started alone reruns the app through app.py.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import secrets
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

log = logging.getLogger("cmltrack")
_state = threading.local()
#: The browser tab's icon, served by this server (a Material icon would be fetched from Google's font servers).
ICON = Path(__file__).with_name("icon.png")


def disable_pages_folder_mode() -> None:
    """Make every later run execute app.py (Streamlit's own flag, read at the start of each run)."""
    PagesManager.uses_pages_directory = False


@contextlib.contextmanager
def running() -> Iterator[None]:
    """Mark the pages run inside this block as run by app.py; an unexpected error of a page ends in a message with
    a reference, never a traceback in the browser (st.stop and st.rerun are not errors: they pass through)."""
    _state.active = True
    try:
        yield
    except Exception as exc:  # noqa: BLE001 (the last line of defence: every error ends here, logged)
        failed(exc)
    finally:
        _state.active = False


def freeze_loaded_objects() -> None:
    """Once per server process, after its first complete run: take every object alive then (modules, Plotly's
    validators, pandas and Streamlit internals: about 140,000) out of the cyclic garbage collector's walks.
    Streamlit collects all generations after every run (runner.postScriptGC), holding the GIL: walking them took
    0.1-0.2 s per click at 100,000 patients, and the run's last messages waited. Frozen objects are still freed when
    no longer referenced, unless a reference cycle holds them (a Plotly figure the first session remembered): a
    one-off, bounded cost."""
    if not _frozen:
        _frozen.append(True)
        gc.collect()
        gc.freeze()


_frozen: list[bool] = []


def failed(exc: BaseException) -> None:
    """Log an unexpected error with its traceback (frames only: an error's message may hold data) under a short
    reference, and tell the user what happened and what to do."""
    reference = secrets.token_hex(4)
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("page failed, reference %s: %s\n%s", reference, type(exc).__name__, frames)
    st.error(f"**This page could not be shown.** Something unexpected went wrong (reference {reference}). Reload "
             "the page or press Reset filters in the sidebar; if it happens again, tell the administrator the "
             "reference: the server's log has the details.", icon=":material/error:")


def require_app() -> None:
    """First call of every page: rerun through app.py when Streamlit started this page file on its own."""
    if not getattr(_state, "active", False):
        disable_pages_folder_mode()
        st.rerun()
