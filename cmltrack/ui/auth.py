"""Login (OIDC through st.login) when .streamlit/secrets.toml has an [auth] section; local mode otherwise.

Local mode says in the sidebar which address the server answers on (.streamlit/config.toml binds 127.0.0.1; a
server started on another address is warned about). With login on, every page needs a signed-in user; a sign-in
service that cannot be reached gives a message and a retry, not Streamlit's bare error page. Each view or export
of identifiable data is written to the audit trail (cmltrack.privacy.audit) once per view, and the app refuses to
show patients when that trail cannot be continued (another key, a missing key, a broken end).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

import streamlit as st

from cmltrack import config
from cmltrack.privacy import audit
from cmltrack.ui.escape import md

log = logging.getLogger("cmltrack")
#: Seconds the sign-in service gets to answer the check made before the browser is sent to it.
PROVIDER_TIMEOUT_S = 5
_PROBLEM = "_login_problem"
_VIEWED = "_audited_view"


class _OneLine(logging.Filter):
    """Streamlit logs a failed redirect to the sign-in service with a traceback; keep the cause on one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()} ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


_ROUTES_LOG = logging.getLogger("streamlit.web.server.starlette.starlette_auth_routes")
if not any(isinstance(f, _OneLine) for f in _ROUTES_LOG.filters):
    _ROUTES_LOG.addFilter(_OneLine())


def login_configured() -> bool:
    """Whether secrets.toml has an [auth] section."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError):
        return False


def _loopback(address: str | None) -> bool:
    if address in ("localhost",):
        return True
    try:
        return bool(address) and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _local_mode() -> None:
    """Say in the sidebar where the server answers without login: this computer only, or the network."""
    address = st.get_option("server.address")
    if _loopback(address):
        st.sidebar.caption(f":material/lock_open: Local mode: no login. The app answers on this computer only "
                           f"({md(address)}). See the README to deploy behind the hospital's identity provider.")
    else:
        where = md(address) if address else "every network interface"
        st.sidebar.warning(f"**Local mode, open to the network:** no login, and the server answers on {where}: "
                           "anyone who can reach this computer sees patient data. Set up login (README: Deploying "
                           "with login) or restart without --server.address.", icon=":material/lock_open:")


def _metadata_url() -> str | None:
    """The identity provider's OpenID configuration URL from [auth] (or its single provider section)."""
    section = st.secrets.get("auth", {})
    url = section.get("server_metadata_url")
    if url is None:
        providers = [v for v in section.values() if hasattr(v, "get") and v.get("server_metadata_url")]
        url = providers[0].get("server_metadata_url") if len(providers) == 1 else None
    return None if url is None else str(url)


def provider_problem(url: str | None) -> str | None:
    """Why the sign-in service at ``url`` cannot be used now (None: its OpenID configuration answers)."""
    if url is None:
        return None
    host = urllib.parse.urlsplit(url).netloc or url
    try:
        with urllib.request.urlopen(url, timeout=PROVIDER_TIMEOUT_S) as response:  # noqa: S310 (from secrets.toml)
            document = json.load(response)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "code", None) or type(exc).__name__
        return f"{host} did not answer ({reason})"
    if not isinstance(document, dict) or "authorization_endpoint" not in document:
        return f"{host} answered, but not with an OpenID configuration"
    return None


def _sign_in() -> None:
    """The Sign in button: send the browser to the sign-in service only when it answers."""
    problem = provider_problem(_metadata_url())
    if problem is not None:
        log.warning("sign-in service unavailable: %s", problem)
        st.session_state[_PROBLEM] = problem
        return
    st.session_state.pop(_PROBLEM, None)
    st.login()


def _signed_out() -> None:
    """The page shown until sign-in: the button, or why the sign-in service cannot be used and a retry."""
    st.title("cmltrack")
    problem = st.session_state.get(_PROBLEM)
    if problem is None:
        st.write("Patient data: sign in with your hospital account to continue.")
        st.button("Sign in", on_click=_sign_in, type="primary", icon=":material/login:")
    else:
        st.error(f"**The hospital's sign-in service cannot be reached:** {md(problem)}. Nothing is wrong with "
                 "your account: the service may be down or restarting. Try again in a minute; if it keeps "
                 "failing, tell the IT service desk.", icon=":material/cloud_off:")
        st.button("Try again", on_click=_sign_in, type="primary", icon=":material/refresh:")


def require_login() -> str | None:
    """The signed-in user's e-mail with login on (stops the page with a login button until then); None in local
    mode. With login on, also stops the page when the audit trail cannot be continued."""
    if not login_configured():
        _local_mode()
        return None
    if not st.user.get("is_logged_in"):
        # the only page until sign-in; a hidden navigation, or Streamlit would list the files in pages/ instead
        st.navigation([st.Page(_signed_out, title="Sign in", default=True)], position="hidden").run()
        st.stop()
    _trail_key()  # stops the page when the trail cannot be continued
    user = _user()
    st.sidebar.caption(f":material/lock: Signed in as {md(user)}")
    st.sidebar.button("Sign out", on_click=st.logout)
    return user


def _user() -> str:
    return str(st.user.get("email") or st.user.get("name") or "unknown user")


def _trail_key() -> tuple[Path, bytes, Path]:
    """The trail, its key and the key's path; the page stops when the trail cannot be continued."""
    trail, key_path = config.audit_paths(st.secrets.get("cmltrack", {}).get("audit_key_file"))
    try:
        key = audit.load_key(key_path, trail)
        audit.check_continuable(trail, key, key_path)
    except audit.AuditError as exc:
        log.error("audit trail refused: %s", exc)
        st.error(f"**The audit trail cannot be continued, so no patient data is shown:** {md(exc)}. Tell the "
                 "administrator.", icon=":material/gpp_bad:")
        st.stop()
    return trail, key, key_path


def audit_view(page: str, patient_ids: Sequence[str], **detail: object) -> None:
    """Write a view of identifiable data to the audit trail when login is on: once per view (a page, its patients,
    its mode), not again on each rerun of the same view. The page stops when the line cannot be written."""
    if not login_configured() or not st.user.get("is_logged_in"):
        return
    view = (page, tuple(patient_ids), tuple(sorted(detail.items())))
    if st.session_state.get(_VIEWED) == view:
        return
    trail, key, key_path = _trail_key()
    try:
        audit.append(trail, key, key_path, _user(), "view", page, patient_ids, **detail)
    except (OSError, audit.AuditError) as exc:  # never show the page without its audit line
        log.error("audit trail not writable: %s", type(exc).__name__)
        st.error("This view could not be written to the audit trail, so the patients are not shown. Tell the "
                 "administrator (audit trail not writable).")
        st.stop()
    st.session_state[_VIEWED] = view


def audited(build: Callable[[], bytes], page: str, what: str, patient_ids: Sequence[str],
            **detail: object) -> Callable[[], bytes]:
    """``build`` wrapped so that, with login on, the export is written to the audit trail when the file is built
    (a click, in a server thread without the session: who and where are taken now). No line, no file."""
    if not login_configured() or not st.user.get("is_logged_in"):
        return build
    trail, key, key_path = _trail_key()
    user, ids = _user(), list(patient_ids)

    def export() -> bytes:
        data = build()
        audit.append(trail, key, key_path, user, "export", page, ids, file=what, **detail)
        return data

    return export


def may_import() -> bool:
    """Whether this user may write imports: anyone in local mode; with login on, only the e-mails listed in
    secrets.toml under [cmltrack] importers."""
    if not login_configured():
        return True
    allowed = {str(e).lower() for e in st.secrets.get("cmltrack", {}).get("importers", [])}
    return str(st.user.get("email") or "").lower() in allowed
