"""Load test: N sessions filter and switch pages against a real `streamlit run` while the database is replaced
(as an import does: a new file renamed over the old, or one transaction on PostgreSQL) every few seconds.

    python bench/load_test.py --sessions 20 --seconds 60              # protocol clients (default)
    python bench/load_test.py --sessions 4 --seconds 20 --client browser
    python bench/load_test.py --postgres postgresql://user@host/db --replicas 2 --sessions 10
        # two `streamlit run` replicas on one PostgreSQL registry, sessions spread over them (the registry is
        # overwritten: use a scratch database)
    python bench/load_test.py --writer import --kill-every 3 --sessions 20 --seconds 120
        # soak: the database is replaced by real `python -m cmltrack import --replace` processes, every third one
        # killed with SIGKILL while it writes; add --patients 4100 for imports that derive in worker processes

Clients: "ws" speaks Streamlit's own websocket protocol, sending the rerun requests a browser sends (page, query
string) and reading the same messages, so the server does all its work while the client costs nearly nothing;
"browser" drives headless Chromium pages (heavy: on 2 cores a handful at most). Checks: no error on any page (no
exception and no error message: a busy, timed-out or unreachable database shows one); every
page shows one database version (the sidebar's "Showing x of T" and the cohort caption "Lanes 1-n of N" agree, and
T is 21 or 20, the two versions; N and N - 1 with --patients N). Reports rerun latency: request to script finished
(ws) or navigation to page idle (browser), p50 and p95. With --writer import it also reports the imports completed,
killed and refused as busy, whether a killed import changed the file, left a worker behind or left the lock held,
and whether a last import after the run succeeds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cmltrack.cohorts.demo import demo_frames  # noqa: E402
from cmltrack.db.store import write_database  # noqa: E402
from cmltrack.processes import alive, children  # noqa: E402
from tests.browser.harness import CHROMIUM, CHROMIUM_FLAGS, ProtocolSession, streamlit_server  # noqa: E402

PATHS = ["/", "/?status=Intolerant", "/?sex=Female", "/patients", "/patients?best=CCyR", "/outcomes", "/safety",
         "/patient?patient=CML-03", "/patient?patient=CML-12", "/?anchor=imatinib+start"]
COUNT = re.compile(r"Showing (\d+) of (\d+) patients")
LANES = re.compile(r"Lanes 1-(\d+) of (\d+) patients")


def versions(patients: int | None = None) -> tuple[dict, dict]:
    """The demo cohort (21 patients) and the same without its last patient (20); with ``patients``, a synthetic
    cohort of that many and one fewer."""
    if patients is None:
        full = demo_frames()
    else:
        from cmltrack.cohorts.synthetic import synthetic_frames

        full = synthetic_frames(patients, seed=0, visits=12)
    last = full["patients"]["patient_id"].iloc[-1]
    fewer = {name: frame[frame["patient_id"] != last].reset_index(drop=True) for name, frame in full.items()}
    return full, fewer


def _totals(patients: int | None) -> tuple[int, int]:
    return (21, 20) if patients is None else (patients, patients - 1)


def _paths(patients: int | None) -> list[str]:
    """The pages sessions visit; a synthetic cohort's patient pages name two of its own patients."""
    if patients is None:
        return PATHS
    ids = versions(patients)[1]["patients"]["patient_id"]
    return [p.replace("CML-03", ids.iloc[2]).replace("CML-12", ids.iloc[11]) for p in PATHS]


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


async def ws_session(url: str, deadline: float, seed: int, results: dict, totals: tuple[int, int] = (21, 20),
                     paths: list[str] = PATHS) -> None:
    """One session over Streamlit's websocket protocol: a rerun request per navigation, timed to script end."""
    import websockets
    from streamlit.proto.Alert_pb2 import Alert

    rng = random.Random(seed)
    async with ProtocolSession(url) as session:
        while time.monotonic() < deadline:
            path = rng.choice(paths)
            started = time.monotonic()
            try:
                rerun = await session.run(path)
            except (TimeoutError, websockets.ConnectionClosed) as exc:
                results["errors"].append(f"{path}: {type(exc).__name__}")
                return
            results["latency"].append(time.monotonic() - started)
            results["per_server"][url] = results["per_server"].get(url, 0) + 1
            failed = bool(rerun.of("exception")) or any(a.format == Alert.ERROR for a in rerun.of("alert"))
            count = COUNT.search(rerun.text)
            if failed or count is None:
                results["errors"].append(f"{path}: {'error shown' if failed else 'no patient count'}")
                continue
            shown, total = map(int, count.groups())
            results["totals"].add(total)
            lanes = LANES.search(rerun.text)
            if total not in totals or (lanes and int(lanes.group(2)) != shown):
                results["mixed"].append(f"{path}: sidebar {shown}/{total}, lanes {lanes.group(0) if lanes else '-'}")


def replace_periodically(db: Path | str, every: float, stop: threading.Event, count: list,
                         patients: int | None = None) -> None:
    full, fewer = versions(patients)
    while not stop.wait(every):
        write_database(db, fewer if count[0] % 2 == 0 else full, source="load test")
        count[0] += 1


def _as_csv(frames: dict, folder: Path) -> list[Path]:
    """A version as the project's CSV layout (patients, treatments, labs): what `import --replace` reads."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for table in ("patients", "treatments", "labs"):
        frames[table].to_csv(folder / f"{table}.csv", index=False)
        out.append(folder / f"{table}.csv")
    return out


def _digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def _import(db: Path, sources: list[Path]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cmltrack", "import", "--replace", "--db", str(db),
                             *map(str, sources)], cwd=Path(__file__).resolve().parents[1],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _kill_mid_write(proc: subprocess.Popen, db: Path, workers_expected: bool, rng: random.Random) -> list[int]:
    """SIGKILL an import while it writes (its new file begun, or its workers running); return the workers seen."""
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while proc.poll() is None and time.monotonic() < deadline:
        workers = children(proc.pid)
        if (workers if workers_expected else list(db.parent.glob(f".{db.name}.*.tmp*"))):
            break
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.3))
    workers = sorted(set(workers) | set(children(proc.pid)))
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    return workers


def import_periodically(db: Path, every: float, stop: threading.Event, log: dict, kill_every: int,
                        patients: int | None, work: Path) -> None:
    """Replace the database with real import processes, alternating the two versions; every ``kill_every``-th one
    is killed with SIGKILL while it writes. Records what each import did to the file, its workers and the lock."""
    sources = [_as_csv(v, work / f"version{i}") for i, v in enumerate(versions(patients))]
    rng = random.Random(0)
    n = 0
    while not stop.wait(every):
        n += 1
        before = _digest(db)
        proc = _import(db, sources[n % 2])
        if kill_every and n % kill_every == 0:
            workers = _kill_mid_write(proc, db, patients is not None and patients > 4000, rng)
            if proc.returncode == -signal.SIGKILL:
                log["killed"] += 1
                log["workers_seen"] += len(workers)
                deadline = time.monotonic() + 10
                while any(alive(w) for w in workers) and time.monotonic() < deadline:
                    time.sleep(0.05)
                log["workers_left"] += [w for w in workers if alive(w)]
                if _digest(db) != before:
                    log["changed_by_killed"] += 1
                continue
        _, err = proc.communicate(timeout=600)
        if proc.returncode == 0:
            log["completed"] += 1
        elif "database busy" in err:
            log["busy"].append(err.strip().splitlines()[-1])
        else:
            log["failed"].append(err.strip().splitlines()[-1] if err.strip() else str(proc.returncode))


async def run(sessions: int, seconds: float, replace_every: float, client: str = "ws", postgres: str | None = None,
              replicas: int = 1, writer: str = "replace", kill_every: int = 0, patients: int | None = None) -> dict:
    """Start ``replicas`` servers on one database (a new file, or the PostgreSQL registry at ``postgres``), run
    ``sessions`` sessions spread over them round-robin for ``seconds``, replacing the database every
    ``replace_every`` seconds (in this process, or with ``writer`` "import" by import processes, every
    ``kill_every``-th killed while it writes); return what they saw."""
    work = Path(tempfile.mkdtemp(prefix="cmltrack-load-"))
    db = write_database(postgres or work / "registry.duckdb", versions(patients)[0], source="load test")
    results = {"latency": [], "errors": [], "mixed": [], "totals": set(), "per_server": {}}
    replaced, stop = [0], threading.Event()
    imports = {"completed": 0, "killed": 0, "busy": [], "failed": [], "workers_seen": 0, "workers_left": [],
               "changed_by_killed": 0}
    totals = _totals(patients)
    with contextlib.ExitStack() as servers:
        urls = [servers.enter_context(streamlit_server(db, log_path=work / f"replica{k}.server.log"))
                for k in range(replicas)]
        if writer == "import":
            writer = threading.Thread(target=import_periodically, args=(Path(db), replace_every, stop, imports,
                                                                        kill_every, patients, work))
        else:
            writer = threading.Thread(target=replace_periodically, args=(db, replace_every, stop, replaced,
                                                                         patients))
        if client == "ws":
            writer.start()
            deadline = time.monotonic() + seconds
            try:
                await asyncio.gather(*(ws_session(urls[i % replicas], deadline, i, results, totals,
                                                  _paths(patients)) for i in range(sessions)))
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
    report_imports = {}
    if isinstance(db, Path) and imports["completed"] + imports["killed"]:
        final = _import(db, _as_csv(versions(patients)[1], work / "final"))
        _, err = final.communicate(timeout=600)
        report_imports = dict(imports, final_import_ok=final.returncode == 0,
                              final_import_error=err.strip().splitlines()[-1] if final.returncode else "")
        replaced[0] = imports["completed"]
        for pid in imports["workers_left"]:  # reported above; not left running on this machine
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return {
        "client": client, "backend": "postgresql" if postgres else "duckdb", "replicas": replicas,
        "sessions": sessions, "seconds": seconds, "reruns": len(latency),
        "reruns_per_replica": [results["per_server"].get(u, 0) for u in urls],
        "database_replacements": replaced[0],
        "versions_seen": sorted(results["totals"]), "errors": results["errors"], "mixed_versions": results["mixed"],
        "p50_s": round(statistics.median(latency), 2) if latency else None,
        "p95_s": round(latency[int(0.95 * (len(latency) - 1))], 2) if latency else None,
        **({"imports": report_imports} if report_imports else {}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--replace-every", type=float, default=8.0)
    parser.add_argument("--client", choices=("ws", "browser"), default="ws")
    parser.add_argument("--postgres", help="a scratch PostgreSQL database (postgresql://...) instead of a file")
    parser.add_argument("--replicas", type=int, default=1, help="`streamlit run` processes on the one database")
    parser.add_argument("--writer", choices=("replace", "import"), default="replace",
                        help="replace the file in this process (default), or by `cmltrack import` processes")
    parser.add_argument("--kill-every", type=int, default=0, help="with --writer import: SIGKILL every k-th import "
                                                                   "while it writes")
    parser.add_argument("--patients", type=int, help="a synthetic cohort of this many (and one fewer) instead of "
                                                     "the 21-patient demo; above 4,000 imports use worker processes")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args.sessions, args.seconds, args.replace_every, args.client, args.postgres,
                             args.replicas, args.writer, args.kill_every, args.patients))
    print(json.dumps(report, indent=2))
    imports = report.get("imports", {})
    lost = imports and (imports["busy"] or imports["failed"] or imports["workers_left"]
                        or imports["changed_by_killed"] or not imports["final_import_ok"])
    return 0 if not report["errors"] and not report["mixed_versions"] and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
