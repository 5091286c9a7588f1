"""Login (OIDC through st.login) when .streamlit/secrets.toml has an [auth] section; local mode otherwise.

Local mode serves only this computer (.streamlit/config.toml binds 127.0.0.1) and says so in the sidebar. With login
on, every page needs a signed-in user, and each patient view is written to the audit trail.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from cmltrack.config import PROJECT_ROOT
from cmltrack.privacy import audit
from cmltrack.ui.escape import md

log = logging.getLogger("cmltrack")
AUDIT_LOG = Path(os.environ.get("CMLTRACK_AUDIT", PROJECT_ROOT / "data" / "audit.jsonl"))


def login_configured() -> bool:
    """Whether secrets.toml has an [auth] section."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError):
        return False


def require_login() -> str | None:
    """The signed-in user's e-mail with login on (stops the page with a login button until then); None in local
    mode."""
    if not login_configured():
        st.sidebar.caption(":material/lock_open: Local mode: no login. The app answers on this computer only "
                           "(127.0.0.1). See the README to deploy behind the hospital's identity provider.")
        return None
    if not st.user.get("is_logged_in"):
        st.title("cmltrack")
        st.write("Patient data: sign in with your hospital account to continue.")
        st.button("Sign in", on_click=st.login, type="primary", icon=":material/login:")
        st.stop()
    user = str(st.user.get("email") or st.user.get("name") or "unknown user")
    st.sidebar.caption(f":material/lock: Signed in as {md(user)}")
    st.sidebar.button("Sign out", on_click=st.logout)
    return user


def audit_view(patient_id: str) -> None:
    """Write a patient view to the audit trail when login is on."""
    if not login_configured() or not st.user.get("is_logged_in"):
        return
    key_path = Path(st.secrets.get("cmltrack", {}).get("audit_key_file", AUDIT_LOG.with_suffix(".key")))
    try:
        audit.record_view(AUDIT_LOG, str(st.user.get("email") or st.user.get("name")), patient_id,
                          audit.load_or_create_key(key_path))
    except OSError as exc:  # never show the page without its audit line
        log.error("audit trail not writable: %s", type(exc).__name__)
        st.error("This view could not be written to the audit trail, so the patient is not shown. Tell the "
                 "administrator (audit file not writable).")
        st.stop()


def may_import() -> bool:
    """Whether this user may write imports: anyone in local mode; with login on, only the e-mails listed in
    secrets.toml under [cmltrack] importers."""
    if not login_configured():
        return True
    allowed = {str(e).lower() for e in st.secrets.get("cmltrack", {}).get("importers", [])}
    return str(st.user.get("email") or "").lower() in allowed
