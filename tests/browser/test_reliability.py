"""Reliability and security against a real `streamlit run`: sessions arriving together on a fresh checkout, forged
widget values over the websocket, hostile links in Chromium, downloads that do not outlive their use, and a sign-in
service that is down."""

from __future__ import annotations

import asyncio

import duckdb
import pytest

from scripts.harness import ProtocolSession, Rerun, project_copy, run_async, streamlit_server

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    """One server on the demo database for the tests that need no setting of their own."""
    with streamlit_server(demo_db, log_path=tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


def _gather(url: str, paths: list[str]) -> list[Rerun]:
    """Open one session per path, all at once, and return each one's first run."""
    async def one(path: str) -> Rerun:
        async with ProtocolSession(url) as session:
            return await session.run(path)

    async def every() -> list[Rerun]:
        return await asyncio.gather(*(one(p) for p in paths))

    return run_async(every())


def _trouble(run: Rerun) -> list[str]:
    """Tracebacks and error boxes a run sent to the browser."""
    from streamlit.proto.Alert_pb2 import Alert

    return ([f"exception {e.type}: {e.message}" for e in run.of("exception")]
            + [a.body for a in run.of("alert") if a.format == Alert.ERROR])


@pytest.mark.parametrize("outdated", [False, True], ids=["missing", "outdated"])
def test_sessions_arriving_together_on_a_fresh_checkout_wait_for_one_build(tmp_path, frames, outdated):
    from cmltrack.cohorts.demo import DEMO_SOURCE
    from cmltrack.db.schema import SCHEMA_VERSION
    from cmltrack.registry import write_database

    root = project_copy(tmp_path / "checkout")
    default = root / "data" / "cmltrack.duckdb"
    if outdated:  # the demo an older cmltrack built
        write_database(default, frames, source=DEMO_SOURCE)
        with duckdb.connect(str(default)) as con:
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION - 1)])
    with streamlit_server(None, root=root, log_path=tmp_path / "server.log") as url:
        runs = _gather(url, ["/", "/patients", "/patient?patient=CML-03", "/", "/safety", "/outcomes"])
    for run in runs:
        assert not _trouble(run), _trouble(run)
        assert "Showing 21 of 21 patients" in run.text
    assert len(list(default.parent.glob("cmltrack.duckdb.bak-*"))) == (1 if outdated else 0)
    assert "Traceback" not in (tmp_path / "server.log").read_text()


def test_a_forged_age_range_gives_a_message_and_the_session_keeps_working(server):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    async def forge() -> tuple[Rerun, Rerun, Rerun]:
        async with ProtocolSession(url) as session:
            first = await session.run("/")
            slider = next(s for s in first.of("slider") if s.label.startswith("Age"))
            forged = WidgetState(id=slider.id)
            forged.double_array_value.data.extend([63, 22])  # upper bound below the lower one
            bad = await session.run("/", [forged])
            again = await session.run("/patients")
            return first, bad, again

    url = server
    first, bad, again = run_async(forge())
    assert not _trouble(first)
    assert not bad.of("exception"), "a traceback reached the browser"
    assert "/work" not in bad.text and ".py" not in bad.text  # no server paths
    assert any("was not valid" in a.body for a in bad.of("alert"))
    assert "Showing 21 of 21 patients" in again.text and not _trouble(again)  # the session is not broken


def test_widget_values_of_the_wrong_kind_are_dropped_and_the_session_keeps_working(server):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    def ids(run: Rerun) -> dict[str, str]:
        widgets = [getattr(e, e.WhichOneof("type")) for e in run.elements]
        return {getattr(w, "label", ""): w.id for w in widgets if getattr(w, "id", "")}

    async def forge() -> list[Rerun]:
        async with ProtocolSession(server) as session:
            widgets = ids(await session.run("/"))
            json_garbage = WidgetState(id=widgets["Lanes per page"], json_value="{not json")
            a_number = WidgetState(id=widgets["Imatinib status"], int_value=7)
            text = WidgetState(id=widgets["Age at thalidomide start (years)"])
            text.string_array_value.data.extend(["old", "older"])
            unknown = WidgetState(id=widgets["Best response on thalidomide"])
            unknown.string_array_value.data.extend(["CML-99", "'; DROP TABLE patients; --"])  # the right kind
            forged = (json_garbage, a_number, text, unknown)
            runs = [await session.run("/", [w]) for w in forged]
            return [*runs, await session.run("/", forged), await session.run("/patients")]

    for run in run_async(forge()):
        assert not _trouble(run), _trouble(run)
        assert "Showing 21 of 21 patients" in run.text


@pytest.mark.parametrize("value", ["[Session expired - sign in again](https://evil.example/login)",
                                   "![x](http://beacon.example/b.png)", "https://evil.example/login"])
def test_a_hostile_link_shows_plain_text_with_no_link_and_fetches_nothing_outside(server, browser, value):
    from urllib.parse import quote, urlparse

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).hostname != "127.0.0.1" else None)
    page.goto(f"{server}/patient?patient={quote(value)}")
    alert = page.locator("[data-testid='stAlertContentError']")
    alert.wait_for(timeout=30_000)
    assert value in alert.inner_text().replace("\n", "").replace("\u2060", "")  # shown as the text it is
    assert page.locator("a[href*='evil.example'], img[src*='beacon.example']").count() == 0
    assert not outside, outside
    page.close()


def test_an_error_outside_any_page_reaches_the_browser_without_details(tmp_path):
    """What .streamlit/config.toml (client.showErrorDetails) lets through when an error escapes every guard."""
    root = project_copy(tmp_path / "checkout")
    app = root / "app.py"
    app.write_text(app.read_text().replace(
        "auth.require_login()\n",
        "auth.require_login()\nraise RuntimeError(f'{__file__} holds CML-03')  # an error outside any page\n", 1))
    with streamlit_server(None, root=root, log_path=tmp_path / "server.log") as url:
        run = _gather(url, ["/"])[0]
    [error] = run.of("exception")
    assert not error.type and not error.stack_trace and "redacted" in error.message
    assert str(root) not in run.text and "CML-03" not in run.text and "RuntimeError" not in run.text
    assert "CML-03" in (tmp_path / "server.log").read_text()  # the details are in the server's log


def test_downloads_leave_the_media_store_and_uploads_leave_the_disk(tmp_path, demo_db, browser):
    import re
    import shutil
    import time
    import urllib.error
    import urllib.request

    db, scratch = tmp_path / "clinic.duckdb", tmp_path / "tmp"
    shutil.copy(demo_db, db)
    scratch.mkdir()

    def served(url: str) -> int:
        """What the media endpoint answers to anyone, with no cookie."""
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    env = {"TMPDIR": str(scratch), "CMLTRACK_DOWNLOAD_KEEP_S": "3"}
    with streamlit_server(db, log_path=tmp_path / "server.log", env=env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.goto(f"{url}/patient?patient=CML-03")
        page.get_by_role("tab", name="Visits and labs").wait_for(timeout=30_000)
        with page.expect_download(timeout=30_000) as download:
            page.get_by_role("button", name="Download visits (CSV)").click()
        media = download.value.url
        assert "/media/" in media and served(media) == 200  # the user's download, at once
        time.sleep(6.5)  # swept KEEP_S and 2 KEEP_S seconds after it was built
        assert served(media) == 404
        page.goto(f"{url}/import")
        page.get_by_text("Files to import").wait_for(timeout=30_000)
        (tmp_path / "patients.csv").write_text("patient_id,sex\nNEW-1,F\nNEW-2,M\n")
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(tmp_path / "patients.csv"))
        page.get_by_text(re.compile(r"Ready to import 2 patients")).wait_for(timeout=60_000)
        assert not list(scratch.glob("cmltrack-import-*"))
        page.get_by_role("button", name="Import 2 patients").click()
        page.get_by_text(re.compile("Imported 2 patients")).wait_for(timeout=60_000)
        assert not list(scratch.glob("cmltrack-import-*"))
        page.close()


def test_signing_in_while_the_identity_provider_is_down(tmp_path, demo_db, browser):
    secrets = ('[auth]\nredirect_uri = "http://127.0.0.1:{port}/oauth2callback"\ncookie_secret = "' + "x" * 32
               + '"\nclient_id = "cmltrack"\nclient_secret = "s"\n'
               'server_metadata_url = "http://127.0.0.1:9/realms/hospital/.well-known/openid-configuration"\n')
    root = project_copy(tmp_path / "checkout", secrets=secrets)
    with streamlit_server(demo_db, root=root, log_path=tmp_path / "server.log") as url:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url + "/")
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        assert page.locator("[data-testid='stSidebarNav']").count() == 0  # no page list before sign-in
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("sign-in service cannot be reached").wait_for(timeout=30_000)
        assert page.url.startswith(url) and "/auth/login" not in page.url
        assert "Authentication error" not in page.locator("body").inner_text()
        page.get_by_role("button", name="Try again").click()  # still down: the same message, no dead end
        page.get_by_role("button", name="Try again").wait_for(timeout=30_000)
        page.close()
    log = (tmp_path / "server.log").read_text()
    assert "sign-in service unavailable" in log and "Traceback" not in log
