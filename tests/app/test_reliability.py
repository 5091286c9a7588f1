"""Failure pages, the login gate, the audit trail, and logs without patient identifiers."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from tests.markdown import shown

ROOT = Path(__file__).resolve().parents[2]
AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "cmltrack", "client_secret": "s", "server_metadata_url":
                 "https://login.hospital.example/.well-known/openid-configuration"}}


def _run(monkeypatch, db: Path, page: str | None = None, secrets: dict | None = None, user: dict | None = None,
         patient: str | None = None) -> AppTest:
    monkeypatch.setenv("CMLTRACK_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if secrets:
        at.secrets.update(secrets)
    if user is not None:
        at.user = user
    if patient:
        at.query_params["patient"] = patient
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_an_unreachable_database_server_gives_a_clear_page_without_the_password(monkeypatch):
    at = _run(monkeypatch, "postgresql://clinic:s3cret@127.0.0.1:9/registry")
    message = shown(at.error[0].value)
    assert "database server cannot be reached" in message and "postgresql://clinic@127.0.0.1:9/registry" in message
    assert "s3cret" not in message


def test_an_unparseable_database_address_is_named_without_echoing_it(monkeypatch):
    at = _run(monkeypatch, "postgresql://clinic:100%sure@127.0.0.1:9/registry")
    assert "database address is not valid" in shown(at.error[0].value) and "100%sure" not in shown(at.error[0].value)


def test_a_database_address_of_another_kind_is_refused_without_echoing_it(monkeypatch):
    at = _run(monkeypatch, "mysql://clinic:s3cret@db.hospital.example/registry")
    message = shown(at.error[0].value)
    assert "database setting is not valid" in message and "mysql://" in message and "s3cret" not in message


def test_a_query_past_the_statement_timeout_gives_a_clear_page(monkeypatch, new_registry, frames):
    import psycopg

    from cmltrack.db import postgres
    from cmltrack.db.store import write_database

    url = write_database(new_registry("slow"), frames, source="test")
    monkeypatch.setattr(postgres, "READER_OPTIONS", "-c default_transaction_read_only=on -c statement_timeout=50")
    with psycopg.connect(url) as writer:  # an upgrade holding the registry: every read waits, then times out
        writer.execute("LOCK TABLE meta IN ACCESS EXCLUSIVE MODE")
        at = _run(monkeypatch, url)
    assert "took too long to answer" in shown(at.error[0].value)


def test_a_replica_out_of_connections_says_the_database_is_busy(monkeypatch, new_registry, frames):
    from cmltrack.db.postgres import PgRegistry, PoolBusy
    from cmltrack.db.store import write_database

    url = write_database(new_registry("busy"), frames, source="test")

    def exhausted(self):
        raise PoolBusy("couldn't get a connection after 30.00 sec")  # what psycopg_pool raises

    monkeypatch.setattr(PgRegistry, "snapshot", exhausted)
    at = _run(monkeypatch, url)
    assert "The database is busy" in shown(at.error[0].value) and "run more replicas" in shown(at.error[0].value)


def test_a_server_without_a_registry_says_how_to_make_one(monkeypatch, new_registry):
    at = _run(monkeypatch, new_registry("bare"))
    assert "No cmltrack registry on this server yet" in shown(at.error[0].value)
    assert "python -m cmltrack migrate --db FILE.duckdb --to postgresql://" in shown(at.error[0].value)


def test_an_older_registry_asks_for_an_upgrade(monkeypatch, new_registry, frames):
    import psycopg

    from cmltrack.db.store import write_database

    url = write_database(new_registry("old"), frames, source="test")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        conn.execute("UPDATE meta SET value = 'another' WHERE key = 'generation'")
    at = _run(monkeypatch, url)
    message = shown(at.error[0].value)
    assert "older cmltrack (schema 3" in message and "upgrade --db postgresql://" in message


def test_an_import_on_the_server_is_seen_by_the_next_run(monkeypatch, new_registry, frames):
    from cmltrack.db.store import write_database

    url = write_database(new_registry("next"), frames, source="test")
    at = _run(monkeypatch, url)
    assert any("Showing 21 of 21" in m.value for m in at.sidebar.markdown)
    fewer = {name: f[f["patient_id"] != "CML-21"].reset_index(drop=True) for name, f in frames.items()}
    write_database(url, fewer, source="test")  # another replica's import
    at.run()
    assert not at.exception and any("Showing 20 of 20" in m.value for m in at.sidebar.markdown)


def test_a_damaged_file_gives_a_clear_page(monkeypatch, tmp_path):
    bad = tmp_path / "registry.duckdb"
    bad.write_bytes(b"not a database " * 500)
    at = _run(monkeypatch, bad)
    message = shown(at.error[0].value)
    assert "damaged or is not a cmltrack database" in message and "registry.duckdb" in message
    assert "remove CMLTRACK_DB to use the demo database" in message  # the setting that names it
    assert bad.read_bytes() == b"not a database " * 500  # left as it was


def test_a_locked_file_gives_a_busy_page(monkeypatch, tmp_path, frames):
    from cmltrack.db.store import write_database

    db = write_database(tmp_path / "locked.duckdb", frames, source="test")
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
                               "print('locked', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        at = _run(monkeypatch, db)
        assert "The database is busy" in shown(at.error[0].value)
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.2)
    at = _run(monkeypatch, db)  # once the writer is gone the app works again
    assert not at.error


def test_local_mode_says_so(monkeypatch, demo_db):
    at = _run(monkeypatch, demo_db)
    assert any("Local mode" in c.value and "127.0.0.1" in shown(c.value) for c in at.sidebar.caption)


def test_login_gate_blocks_the_app_until_signed_in(monkeypatch, demo_db):
    at = _run(monkeypatch, demo_db, secrets=AUTH, user={"is_logged_in": False})
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.get("plotly_chart") and not at.dataframe and not at.sidebar.markdown


@pytest.mark.parametrize("page", ["pages/patient.py", "pages/patients.py", "pages/outcomes.py", "pages/safety.py"])
def test_every_page_is_behind_the_gate(monkeypatch, demo_db, page):
    signed_in = {"is_logged_in": True, "email": "a@hospital.example"}
    at = _run(monkeypatch, demo_db, page, secrets=AUTH, user=signed_in)
    assert at.dataframe or at.get("plotly_chart")  # the page itself works when signed in
    at.user = {"is_logged_in": False}  # the session expires on this page
    at.run()
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not at.get("plotly_chart")


def test_signed_in_user_sees_the_app_and_each_patient_view_is_audited(monkeypatch, demo_db, audit_trail):
    trail, _ = audit_trail
    user = {"is_logged_in": True, "email": "haematologist@hospital.example"}
    at = _run(monkeypatch, demo_db, "pages/patient.py", secrets=AUTH, user=user, patient="CML-03")
    assert any("Signed in as haematologist@hospital.example" in shown(c.value) for c in at.sidebar.caption)
    assert at.get("plotly_chart")
    lines = [json.loads(line) for line in trail.read_text().splitlines()]
    assert lines and {line["user"] for line in lines} == {"haematologist@hospital.example"}
    views = [line for line in lines if line["page"] == "patient"]
    assert len(views) == 1 and views[0]["action"] == "view" and [len(t) for t in views[0]["patients"]] == [16]
    assert "CML-03" not in trail.read_text()
    assert (trail.stat().st_mode & 0o777) == 0o600


def test_logs_carry_no_patient_identifiers(monkeypatch, demo_db, tmp_path, caplog):
    from cmltrack.ui.session import _connection, _server

    _connection.clear()  # so this run opens the database and logs it
    _server.clear()
    caplog.set_level(logging.DEBUG)
    _run(monkeypatch, demo_db, "pages/patient.py", patient="CML-03")
    _run(monkeypatch, demo_db, "pages/patients.py")
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"garbage" * 100)
    _run(monkeypatch, bad)
    text = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("cmltrack"))
    assert ("opened database" in text or "connected to postgresql://" in text) and "could not be opened" in text
    assert "CML-" not in text and "Testperson" not in text and "FAKE-" not in text


@pytest.mark.parametrize("secrets", [{}, {"cmltrack": {"something": "else"}}])
def test_without_an_auth_section_there_is_no_login(monkeypatch, demo_db, secrets):
    at = _run(monkeypatch, demo_db, secrets=secrets)
    assert not [b for b in at.button if b.label == "Sign in"] and at.get("plotly_chart")


hostile_param = st.one_of(st.text(max_size=40), st.sampled_from(["CML-01' OR '1'='1", "'; DROP TABLE patients; --",
                                                                  "P-001", "../../etc/passwd", "%00", "9" * 400]))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(["patient", "sort", "mode", "anchor", "status", "age", "best",
                                              "rules", "window"]), hostile_param, max_size=4))
def test_any_url_parameters_give_a_page_or_a_message_never_a_traceback(monkeypatch, demo_db, params):
    from tests.conftest import fingerprint

    before = fingerprint(demo_db)
    monkeypatch.setenv("CMLTRACK_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert not any("could not be shown" in e.value for e in at.error)  # not even one caught by the error guard
    at.switch_page("pages/patient.py").run()
    assert not at.exception and not any("could not be shown" in e.value for e in at.error)
    assert at.get("plotly_chart") or at.error  # the patient, or a clear message
    assert fingerprint(demo_db) == before
