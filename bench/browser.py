"""Browser benchmark: page load and interactions to the swimmer's SVG in headless Chromium, and the server's memory.

    python -m bench.browser [--sizes 21 10000 100000] [--dir /tmp/cmltrack-bench]

For each synthetic cohort (built by bench/run.py's rule when missing; 21 is the demo cohort) a real `streamlit run`
serves the Cohort page; Debian's Chromium (Playwright, never a downloaded browser) opens it twice, each in a new
session: cold (the server's first look at the file) and warm (its caches filled). Reports navigation-to-SVG seconds
and the server process's peak resident memory (VmHWM).

Then, in one browser session, the time from a click to the updated swimmer SVG (its lane labels changed and its bars
drawn), warm (the same click made before, so the server's caches hold the answer; cold is the first time):
- filter: the sidebar's "Female" pill (on, off, on: the third click is warm);
- lanes: the next page of lanes (+ on the page number; up, down, up), from 51 patients;
- page: back to the Cohort page from the Patients page by the sidebar link (twice).
Where the time goes, from the websocket frames Chromium sends and receives: "to request" (click to the rerun
request leaving the browser), "server" (request to the run's script_finished message: script run, serialisation,
socket; the swimmer may be drawn before the run ends), "bytes" (received meanwhile) and the largest of those frames,
"render" (the last frame received before the SVG was updated to the SVG: React and Plotly in the browser). Chromium
reports a frame when its renderer takes it, so a renderer busy drawing the previous messages lengthens "server": the
CPU seconds each side spent on the click (from /proc: the server process; Chromium's renderer processes) tell the
two apart, and the load average is printed with every size (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bench.run import database
from scripts.harness import chromium, streamlit_server, wait_for_plot


def _server_pid(port: str) -> int | None:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"--server.port={port}".encode() in cmd:
                return int(proc.name)
    return None


def _peak_rss_mib(pid: int | None) -> float:
    if pid is None:
        return float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of one process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _renderers() -> list[int]:
    """This benchmark's Chromium renderer processes (descendants of this process: not another user's browser)."""
    parents, renderers = {}, []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                parents[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if b"--type=renderer" in (proc / "cmdline").read_bytes():
                    renderers.append(int(proc.name))
            except OSError:
                continue
    mine = []
    for pid in renderers:
        ancestor = pid
        while ancestor > 1 and ancestor != os.getpid():
            ancestor = parents.get(ancestor, 0)
        if ancestor == os.getpid():
            mine.append(pid)
    return mine


class Cpu:
    """CPU seconds spent by the server process and by Chromium's renderers between two readings."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid

    def read(self) -> dict[str, float]:
        """CPU seconds so far: {"server": ..., "browser": ...} (renderers by pid, to subtract per process)."""
        out = {"server": _cpu_seconds(self.server_pid) if self.server_pid else float("nan")}
        out |= {f"renderer {pid}": _cpu_seconds(pid) for pid in _renderers()}
        return out

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        """Seconds of CPU between two readings, the renderers summed."""
        browser = sum(after[k] - before.get(k, 0.0) for k in after if k.startswith("renderer"))
        return {"server cpu": after["server"] - before["server"], "browser cpu": browser}


def _load(browser: object, url: str) -> float:
    page = browser.new_page(viewport={"width": 1600, "height": 1100})
    started = time.perf_counter()
    page.goto(url + "/")
    wait_for_plot(page, timeout_ms=180_000)
    elapsed = time.perf_counter() - started
    page.close()
    return elapsed


#: The swimmer's lane labels, once its bars are drawn ('' while it is not on the page).
_LANES_JS = """() => {
  const plot = document.querySelector('.st-key-swimmer .js-plotly-plot');
  if (!plot || !plot.querySelector('.main-svg .barlayer .point')) return '';
  return Array.from(plot.querySelectorAll('.ytick text')).map(t => t.textContent).join('|');
}"""


class Frames:
    """The websocket frames of one page, timed as Playwright reports them."""

    def __init__(self, page: object) -> None:
        self.log: list[tuple[float, str, int, bool]] = []  # (time, "sent" | "received", bytes, script finished)
        page.on("websocket", self._socket)

    def _socket(self, ws: object) -> None:
        ws.on("framesent", lambda payload: self.log.append((time.perf_counter(), "sent", len(payload), False)))
        ws.on("framereceived", lambda payload: self.log.append(
            (time.perf_counter(), "received", len(payload), _finished(payload))))


def _finished(payload: bytes | str) -> bool:
    if isinstance(payload, str) or len(payload) > 256:  # script_finished is a few bytes
        return False
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    message = ForwardMsg()
    try:
        message.ParseFromString(payload)
    except Exception:  # noqa: BLE001 (not a ForwardMsg)
        return False
    return message.WhichOneof("type") == "script_finished"


def _timed(page: object, frames: Frames, click: object, cpu: Cpu | None = None) -> dict[str, float]:
    """Click, wait for the swimmer to show other lanes; total and its parts (seconds; bytes received; with ``cpu``,
    the CPU seconds of the server and the browser's renderers from the click to the run's end)."""
    before = page.evaluate(_LANES_JS)
    mark = len(frames.log)
    used = cpu.read() if cpu else {}
    started = time.perf_counter()
    click()
    page.wait_for_function(f"(old) => {{ const now = ({_LANES_JS})(); return now !== '' && now !== old; }}",
                           arg=before, timeout=240_000, polling="raf")
    done = time.perf_counter()
    sent = next((t for t, kind, _, _ in frames.log[mark:] if kind == "sent"), float("nan"))
    deadline = time.monotonic() + 600
    while not any(end and t >= sent for t, _, _, end in frames.log[mark:]) and time.monotonic() < deadline:
        page.wait_for_timeout(20)  # the swimmer may be drawn before the rest of the page has run
    spent = Cpu.spent(used, cpu.read()) if cpu else {"server cpu": float("nan"), "browser cpu": float("nan")}
    log = frames.log[mark:]
    finished = min((t for t, _, _, end in log if end and t >= sent), default=float("nan"))
    sizes = [size for t, kind, size, _ in log if kind == "received" and sent <= t <= finished]
    last = max((t for t, kind, _, _ in log if kind == "received" and t <= done), default=float("nan"))
    return {"total": done - started, "request": sent - started, "server": finished - sent,
            "render": done - last, "bytes": sum(sizes), "largest": max(sizes, default=0)} | spent


def _interactions(browser: object, url: str, n: int,
                  server_pid: int | None = None) -> dict[str, list[dict[str, float]]]:
    """{interaction: [cold, warm] timings} in one browser session on the Cohort page (with the server's CPU seconds
    when its process id is given)."""
    page = browser.new_page(viewport={"width": 1600, "height": 1100})
    frames = Frames(page)
    cpu = Cpu(server_pid)
    page.goto(url + "/")
    wait_for_plot(page, timeout_ms=600_000)
    page.wait_for_function(f"() => ({_LANES_JS})() !== ''", timeout=600_000)
    out: dict[str, list[dict[str, float]]] = {}
    pill = page.locator("[data-testid='stSidebar'] button", has_text="Female").first
    first = _timed(page, frames, pill.click, cpu)
    _timed(page, frames, pill.click)
    out["filter"] = [first, _timed(page, frames, pill.click, cpu)]
    _timed(page, frames, pill.click)  # every patient again
    if n > 50:
        up = page.locator("[data-testid='stNumberInputStepUp']").first
        down = page.locator("[data-testid='stNumberInputStepDown']").first
        first = _timed(page, frames, up.click, cpu)
        _timed(page, frames, down.click)
        out["lanes"] = [first, _timed(page, frames, up.click, cpu)]
        _timed(page, frames, down.click)
    nav = page.locator("[data-testid='stSidebarNav']")
    timings = []
    for _ in range(2):
        nav.get_by_role("link", name="Patients", exact=True).click()
        page.wait_for_function(f"() => ({_LANES_JS})() === ''", timeout=600_000)
        page.wait_for_selector("[data-testid='stDataFrame'], [data-testid='stTable']", timeout=600_000)
        timings.append(_timed(page, frames, nav.get_by_role("link", name="Cohort", exact=True).click, cpu))
    out["page"] = timings
    page.close()
    return out


def _demo(folder: Path) -> Path:
    path = folder / "demo_21.duckdb"
    if not path.exists():
        import subprocess

        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "cmltrack", "demo", "--out", str(path)], check=True,
                       cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[21, 10000, 100000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cmltrack-bench"))
    args = parser.parse_args(argv)
    loads, clicks = [], []
    for n in args.sizes:
        db = _demo(args.dir) if n == 21 else database(args.dir, n)
        with streamlit_server(db, timeout=180) as url, chromium() as browser:
            pid = _server_pid(url.rsplit(":", 1)[1])
            cold, warm = _load(browser, url), _load(browser, url)
            interactions = _interactions(browser, url, n, pid)
            rss = _peak_rss_mib(pid)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        loads.append(f"{n:>7} | {cold:>15.2f}s | {warm:>15.2f}s | {rss:>11.0f} MiB | {load}")
        for name, (first, again) in interactions.items():
            clicks.append(f"{n:>7} {name:<7} | {first['total']:>6.2f}s | {again['total']:>6.2f}s | "
                          f"{again['request']:>6.2f}s {again['server']:>6.2f}s {again['bytes'] / 1024:>7.0f} KiB "
                          f"{again['largest'] / 1024:>7.0f} KiB {again['render']:>6.2f}s | "
                          f"{again['server cpu']:>6.2f}s {again['browser cpu']:>7.2f}s")
        print(loads[-1], *clicks[-len(interactions):], sep="\n", flush=True)
    print(f"\n{'N':>7} | {'cold load to SVG':>16} | {'warm load to SVG':>16} | {'server peak RSS':>15} | "
          "load average after", *loads, sep="\n")
    print(f"\n{'N':>7} {'click':<7} | {'cold':>7} | {'warm':>7} | warm: {'to request':>6} {'server':>6} "
          f"{'bytes':>11} {'largest':>11} {'render':>6} | CPU: {'server':>6} {'browser':>7}", *clicks, sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
