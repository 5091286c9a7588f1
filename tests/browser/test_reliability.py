"""Reliability and security against a real `streamlit run`: sessions arriving together on a fresh checkout, forged
widget values over the websocket, hostile links in Chromium, downloads that do not outlive their use, and a sign-in
service that is down."""

from __future__ import annotations

import asyncio

import duckdb
import pytest

from tests.browser.harness import ProtocolSession, Rerun, project_copy, streamlit_server

pytestmark = pytest.mark.timeout(240)


def _gather(url: str, paths: list[str]) -> list[Rerun]:
    """Open one session per path, all at once, and return each one's first run."""
    async def one(path: str) -> Rerun:
        async with ProtocolSession(url) as session:
            return await session.run(path)

    async def every() -> list[Rerun]:
        return await asyncio.gather(*(one(p) for p in paths))

    return asyncio.run(every())


def _trouble(run: Rerun) -> list[str]:
    """Tracebacks and error boxes a run sent to the browser."""
    from streamlit.proto.Alert_pb2 import Alert

    return ([f"exception {e.type}: {e.message}" for e in run.of("exception")]
            + [a.body for a in run.of("alert") if a.format == Alert.ERROR])


@pytest.mark.parametrize("outdated", [False, True], ids=["missing", "outdated"])
def test_sessions_arriving_together_on_a_fresh_checkout_wait_for_one_build(tmp_path, frames, outdated):
    from cmltrack.db.connection import DEMO_SOURCE
    from cmltrack.db.schema import SCHEMA_VERSION
    from cmltrack.db.store import write_database

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


def test_a_forged_age_range_gives_a_message_and_the_session_keeps_working(tmp_path, demo_db):
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

    with streamlit_server(demo_db, log_path=tmp_path / "server.log") as url:
        first, bad, again = asyncio.run(forge())
    assert not _trouble(first)
    assert not bad.of("exception"), "a traceback reached the browser"
    assert "/work" not in bad.text and ".py" not in bad.text  # no server paths
    assert any("was not valid" in a.body for a in bad.of("alert"))
    assert "Showing 21 of 21 patients" in again.text and not _trouble(again)  # the session is not broken
