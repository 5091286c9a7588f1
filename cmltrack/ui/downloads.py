"""Downloads of identifiable data: built when clicked, written to the audit trail, and kept only briefly.

Streamlit serves every download from its media store at /media/<hash>.<ext> to anyone who has the address: the
endpoint checks no session and no login cookie. A download given as bytes is stored when the page is drawn and
stays there as long as the session shows its button. `on_demand` gives Streamlit a function instead: nothing is
stored until the click, the export is audited then (cmltrack.ui.auth), and the media store is swept KEEP_S
seconds later and again KEEP_S after that, so the file is served for at least KEEP_S seconds (the browser fetches
it at once) and then dropped. README: Deploying with login says how to cover /media with the proxy's login.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence

from cmltrack.ui import auth

log = logging.getLogger("cmltrack")
#: Seconds a built download stays in the media store at least ($CMLTRACK_DOWNLOAD_KEEP_S; default 30).
KEEP_S = float(os.environ.get("CMLTRACK_DOWNLOAD_KEEP_S", "30"))


def _sweep() -> None:
    """Streamlit's own clean-up of files no session references: downloads are marked on one sweep, dropped on the
    next (a no-op when no server runtime exists, under AppTest)."""
    from streamlit.runtime import Runtime

    if Runtime.exists():
        Runtime.instance().media_file_mgr.remove_orphaned_files()


def _forget_soon() -> None:
    for delay in (KEEP_S, 2 * KEEP_S):
        timer = threading.Timer(delay, _sweep)
        timer.daemon = True
        timer.start()


def on_demand(build: Callable[[], bytes | str], page: str, what: str, patient_ids: Sequence[str],
              **detail: object) -> Callable[[], bytes | str]:
    """The ``data`` of an st.download_button (with on_click="ignore") for a file that names patients: built when
    clicked, audited as an export of ``patient_ids`` with login on, and dropped from the media store soon after."""
    export = auth.audited(build, page, what, patient_ids, **detail)

    def built() -> bytes | str:
        data = export()
        _forget_soon()
        return data

    return built
