"""Signing in when the hospital's identity provider is down, and local mode saying where the server answers."""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_reliability import AUTH
from tests.markdown import shown

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def db(tmp_path_factory, frames) -> Path:
    from cmltrack.db.store import write_database

    return write_database(tmp_path_factory.mktemp("login") / "registry.duckdb", frames, source="test")


def _signed_out(monkeypatch, db: Path, metadata_url: str) -> AppTest:
    monkeypatch.setenv("CMLTRACK_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.secrets.update(AUTH | {"auth": AUTH["auth"] | {"server_metadata_url": metadata_url}})
    at.user = {"is_logged_in": False}
    return at.run()


def test_a_sign_in_service_that_is_down_gives_a_message_and_a_retry(monkeypatch, db):
    at = _signed_out(monkeypatch, db, "http://127.0.0.1:9/realms/hospital/.well-known/openid-configuration")
    logins = []
    monkeypatch.setattr("streamlit.login", lambda *args, **kwargs: logins.append(args))
    at.button[0].click().run()
    assert not at.exception and not logins  # the browser is not sent to a service that does not answer
    message = shown(at.error[0].value)
    assert "sign-in service cannot be reached" in message and "127.0.0.1:9" in message
    assert [b.label for b in at.button] == ["Try again"]
    assert not at.get("plotly_chart") and not at.dataframe


@pytest.fixture()
def provider():
    """A sign-in service answering its OpenID configuration on a free local port."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            body = json.dumps({"issuer": "http://127.0.0.1", "authorization_endpoint": "http://127.0.0.1/auth"})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/openid-configuration"
    server.shutdown()


def test_a_sign_in_service_that_answers_gets_the_browser(monkeypatch, db, provider):
    at = _signed_out(monkeypatch, db, provider)
    logins = []
    monkeypatch.setattr("streamlit.login", lambda *args, **kwargs: logins.append(args))
    at.button[0].click().run()
    assert not at.exception and logins == [()] and not at.error


@pytest.mark.parametrize("address, says", [("127.0.0.1", "this computer only (127.0.0.1)"),
                                           ("0.0.0.0", "open to the network"), ("", "every network interface")])
def test_local_mode_says_where_the_server_answers(monkeypatch, db, address, says):
    from streamlit import config

    monkeypatch.setenv("CMLTRACK_DB", str(db))
    before = config.get_option("server.address")
    config.set_option("server.address", address or None)
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    finally:
        config.set_option("server.address", before)
    sidebar = " ".join(shown(e.value) for e in [*at.sidebar.caption, *at.sidebar.warning])
    assert says in sidebar
    if address != "127.0.0.1":
        assert "127.0.0.1" not in sidebar and "anyone who can reach this computer" in sidebar
