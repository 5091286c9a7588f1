"""Load test: N sessions filter and switch pages against a real `streamlit run` while the database is replaced
(as an import does: a new file renamed over the old, or one transaction on PostgreSQL) every few seconds.

    python bench/load_test.py --sessions 20 --seconds 60              # protocol clients (default)
    python bench/load_test.py --sessions 4 --seconds 20 --client browser
    python bench/load_test.py --postgres postgresql://user@host/db --replicas 2 --sessions 10
        # two `streamlit run` replicas on one PostgreSQL registry, sessions spread over them (the registry is
        # overwritten: use a scratch database)

Clients: "ws" speaks Streamlit's own websocket protocol, sending the rerun requests a browser sends (page, query
string) and reading the same messages, so the server does all its work while the client costs nearly nothing;
"browser" drives headless Chromium pages (heavy: on 2 cores a handful at most). Checks: no error on any page (no
exception and no error message: a busy, timed-out or unreachable database shows one); every
page shows one database version (the sidebar's "Showing x of T" and the cohort caption "Lanes 1-n of N" agree, and
T is 21 or 20, the two versions). Reports rerun latency: request to script finished (ws) or navigation to page
idle (browser), p50 and p95.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cmltrack.cohorts.demo import demo_frames  # noqa: E402
from cmltrack.db.store import write_database  # noqa: E402
from tests.browser.harness import CHROMIUM, CHROMIUM_FLAGS, streamlit_server  # noqa: E402

PATHS = ["/", "/?status=Intolerant", "/?sex=Female", "/patients", "/patients?best=CCyR", "/outcomes", "/safety",
         "/patient?patient=CML-03", "/patient?patient=CML-12", "/?anchor=imatinib+start"]
COUNT = re.compile(r"Showing (\d+) of (\d+) patients")
LANES = re.compile(r"Lanes 1-(\d+) of (\d+) patients")


def versions() -> tuple[dict, dict]:
    """The demo cohort (21 patients) and the same without CML-21 (20 patients)."""
    full = demo_frames()
    fewer = {name: frame[frame["patient_id"] != "CML-21"].reset_index(drop=True) for name, frame in full.items()}
    return full, fewer


async def session(browser: object, url: str, deadline: float, seed: int, results: dict) -> None:
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    while time.monotonic() < deadline:
        path = rng.choice(PATHS)
        started = time.monotonic()
        try:
            await page.goto(url + path)
            await page.wait_for_function(r"document.body.innerText.match(/Showing \d+ of \d+ patients/)",
                                         timeout=60_000)
            await page.wait_for_function("!document.querySelector(\"[data-testid='stStatusWidget']\")",
                                         timeout=60_000)
            await page.wait_for_timeout(300)
            text = await page.locator("body").inner_text()
        except Exception as exc:  # a timeout counts as an error of the run
            results["errors"].append(f"{path}: {type(exc).__name__}")
            continue
        results["latency"].append(time.monotonic() - started)
        results["per_server"][url] = results["per_server"].get(url, 0) + 1
        if await page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count():
            results["errors"].append(f"{path}: error shown")
        shown, total = map(int, COUNT.search(text).groups())
        results["totals"].add(total)
        lanes = LANES.search(text)
        if total not in (20, 21) or (lanes and int(lanes.group(2)) != shown):
            results["mixed"].append(f"{path}: sidebar {shown}/{total}, lanes {lanes.group(0) if lanes else '-'}")
    await context.close()


async def ws_session(url: str, deadline: float, seed: int, results: dict) -> None:
    """One session over Streamlit's websocket protocol: a rerun request per navigation, timed to script end."""
    import websockets
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    rng = random.Random(seed)
    async with websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=60) as ws:
        while time.monotonic() < deadline:
            path = rng.choice(PATHS)
            page, _, query = path.lstrip("/").partition("?")
            request = BackMsg()
            request.rerun_script.query_string = query
            request.rerun_script.page_name = page
            started = time.monotonic()
            await ws.send(request.SerializeToString())
            blob, failed = b"", False
            try:
                while True:
                    message = ForwardMsg()
                    message.ParseFromString(await asyncio.wait_for(ws.recv(), 120))
                    kind = message.WhichOneof("type")
                    if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                        element = message.delta.new_element
                        failed |= element.WhichOneof("type") == "exception" or (
                            element.WhichOneof("type") == "alert" and element.alert.format == Alert.ERROR)
                        blob += message.SerializeToString()
                    if kind == "script_finished" and message.script_finished in (
                            ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                        break
            except (TimeoutError, websockets.ConnectionClosed) as exc:
                results["errors"].append(f"{path}: {type(exc).__name__}")
                return
            results["latency"].append(time.monotonic() - started)
            results["per_server"][url] = results["per_server"].get(url, 0) + 1
            text = blob.decode("utf-8", errors="ignore")
            count = COUNT.search(text)
            if failed or count is None:
                results["errors"].append(f"{path}: {'error shown' if failed else 'no patient count'}")
                continue
            shown, total = map(int, count.groups())
            results["totals"].add(total)
            lanes = LANES.search(text)
            if total not in (20, 21) or (lanes and int(lanes.group(2)) != shown):
                results["mixed"].append(f"{path}: sidebar {shown}/{total}, lanes {lanes.group(0) if lanes else '-'}")


def replace_periodically(db: Path | str, every: float, stop: threading.Event, count: list) -> None:
    full, fewer = versions()
    while not stop.wait(every):
        write_database(db, fewer if count[0] % 2 == 0 else full, source="load test")
        count[0] += 1


async def run(sessions: int, seconds: float, replace_every: float, client: str = "ws", postgres: str | None = None,
              replicas: int = 1) -> dict:
    """Start ``replicas`` servers on one database (a new file, or the PostgreSQL registry at ``postgres``), run
    ``sessions`` sessions spread over them round-robin for ``seconds``, replacing the database every
    ``replace_every`` seconds; return what they saw."""
    work = Path(tempfile.mkdtemp(prefix="cmltrack-load-"))
    db = write_database(postgres or work / "registry.duckdb", versions()[0], source="load test")
    results = {"latency": [], "errors": [], "mixed": [], "totals": set(), "per_server": {}}
    replaced, stop = [0], threading.Event()
    with contextlib.ExitStack() as servers:
        urls = [servers.enter_context(streamlit_server(db, log_path=work / f"replica{k}.server.log"))
                for k in range(replicas)]
        writer = threading.Thread(target=replace_periodically, args=(db, replace_every, stop, replaced))
        if client == "ws":
            writer.start()
            deadline = time.monotonic() + seconds
            try:
                await asyncio.gather(*(ws_session(urls[i % replicas], deadline, i, results)
                                       for i in range(sessions)))
            finally:
                stop.set()
                writer.join()
        else:
            from playwright.async_api import async_playwright

            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
                writer.start()
                deadline = time.monotonic() + seconds
                try:
                    await asyncio.gather(*(session(browser, urls[i % replicas], deadline, i, results)
                                           for i in range(sessions)))
                finally:
                    stop.set()
                    writer.join()
                    await browser.close()
    latency = sorted(results["latency"])
    return {
        "client": client, "backend": "postgresql" if postgres else "duckdb", "replicas": replicas,
        "sessions": sessions, "seconds": seconds, "reruns": len(latency),
        "reruns_per_replica": [results["per_server"].get(u, 0) for u in urls],
        "database_replacements": replaced[0],
        "versions_seen": sorted(results["totals"]), "errors": results["errors"], "mixed_versions": results["mixed"],
        "p50_s": round(statistics.median(latency), 2) if latency else None,
        "p95_s": round(latency[int(0.95 * (len(latency) - 1))], 2) if latency else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--replace-every", type=float, default=8.0)
    parser.add_argument("--client", choices=("ws", "browser"), default="ws")
    parser.add_argument("--postgres", help="a scratch PostgreSQL database (postgresql://...) instead of a file")
    parser.add_argument("--replicas", type=int, default=1, help="`streamlit run` processes on the one database")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args.sessions, args.seconds, args.replace_every, args.client, args.postgres,
                             args.replicas))
    print(json.dumps(report, indent=2))
    return 0 if not report["errors"] and not report["mixed_versions"] else 1


if __name__ == "__main__":
    sys.exit(main())
