"""A real `streamlit run` on a free port and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CMLTRACK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def project_copy(folder: Path, secrets: str | None = None) -> Path:
    """A fresh checkout of the app in ``folder`` (app.py, pages/, cmltrack/, .streamlit/config.toml; an empty
    data/), with ``secrets`` as its .streamlit/secrets.toml: a server started there has its own default database
    path and its own secrets."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "app.py", folder / "app.py")
    for package in ("pages", "cmltrack"):
        shutil.copytree(ROOT / package, folder / package, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / ".streamlit").mkdir()
    shutil.copy(ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    if secrets is not None:
        (folder / ".streamlit" / "secrets.toml").write_text(secrets)
    (folder / "data").mkdir()
    return folder


@contextlib.contextmanager
def streamlit_server(db_path: Path | str | None, timeout: float = 60.0, log_path: Path | None = None,
                     root: Path = ROOT, env: dict[str, str] | None = None, port: int | None = None) -> Iterator[str]:
    """Start `streamlit run app.py` in ``root`` on the given database (a file or a postgresql:// URL; None: the
    app's default path, CMLTRACK_DB unset); yield its base URL; stop it afterwards. The server's output goes to
    ``log_path`` (default: beside the database file). ``env`` adds environment variables; ``port`` (default: a free
    one) lets a second server take over the first one's address, as after a restart."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if k != "CMLTRACK_DB"} | dict(
        env or {}, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    if db_path is not None:
        env["CMLTRACK_DB"] = str(db_path)
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
           f"--server.port={port}", "--server.address=127.0.0.1", "--server.fileWatcherType=none"]
    if log_path is None:
        log_path = (db_path.with_suffix(".server.log") if isinstance(db_path, Path)
                    else Path(tempfile.mkdtemp(prefix="cmltrack-server-")) / f"{port}.server.log")
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer on {url} within {timeout} s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Debian Chromium browser (Playwright sync API)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def wait_for_plot(page, timeout_ms: int = 30_000) -> None:
    """Wait until a Plotly chart has drawn its SVG bars."""
    page.wait_for_selector(".js-plotly-plot .main-svg .barlayer .point", timeout=timeout_ms)


@dataclass
class Rerun:
    """What the server sent for one script run: its new elements, and how the run ended."""

    elements: list[Any] = field(default_factory=list)
    finished: str = ""

    def of(self, kind: str) -> list[Any]:
        """The elements of one kind ('alert', 'markdown', 'exception', 'slider', ...)."""
        return [getattr(e, kind) for e in self.elements if e.WhichOneof("type") == kind]

    @property
    def text(self) -> str:
        """Every element as text (protobuf text format), to search."""
        return "\n".join(str(e) for e in self.elements)


def run_async(coroutine: Any) -> Any:
    """Run a coroutine to its end in a thread of its own (Playwright's sync API keeps a loop in this one)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class ProtocolSession:
    """One browser session over Streamlit's own websocket protocol: it sends the rerun requests a browser sends
    (page, query string, widget values, forged or not) and reads the same messages, at almost no cost."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("http", "ws", 1) + "/_stcore/stream"
        self.ws: Any = None

    async def __aenter__(self) -> ProtocolSession:
        import websockets

        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None, open_timeout=60)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()

    async def run(self, path: str = "/", widgets: Sequence[Any] = (), timeout: float = 120) -> Rerun:
        """Ask for a run of ``path`` ('/patient?patient=CML-03') with these WidgetState messages; wait for its end."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        page, _, query = path.lstrip("/").partition("?")
        request = BackMsg()
        request.rerun_script.query_string = query
        request.rerun_script.page_name = page
        request.rerun_script.widget_states.widgets.extend(widgets)
        await self.ws.send(request.SerializeToString())
        out = Rerun()
        while True:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout))
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                out.elements.append(message.delta.new_element)
            if kind == "script_finished" and message.script_finished in (
                    ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                out.finished = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                return out
