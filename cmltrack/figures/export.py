"""Files for slides: figures as PNG, SVG or self-contained HTML, and a PowerPoint deck.

PNG and SVG are drawn by kaleido with Debian's Chromium (apt-get install chromium); HTML embeds plotly.js so it
opens offline. The first image a process draws starts one Chromium (one kaleido session, about 3 s) that stays for
the process's life and draws every later image in a few tenths of a second (a download of the swimmer took 5 s when
each started a Chromium of its own; `python -m bench.exports`). The session has TABS tabs, so a batch (a deck) draws
that many images at once while the next slide is built; a deck reports each image.
"""

from __future__ import annotations

import asyncio
import atexit
import io
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from html import escape
from typing import Any

import plotly.graph_objects as go

SLIDE_WIDTH_PX, SLIDE_HEIGHT_PX = 1600, 900
#: Pixels per figure pixel of a deck's images: 1600 x 900 drawn as 2400 x 1350.
SLIDE_SCALE = 1.5
#: Tabs of the process's Chromium, each drawing one image at a time (a deck of 11 images: 10 s with one, 6 s with
#: two on 2 cores; three gained nothing more).
TABS = 2


def images_available() -> bool:
    """Whether a Chromium for kaleido is installed (PNG and SVG need one; HTML does not)."""
    import shutil

    return any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome", "chrome"))


class ExportUnavailable(RuntimeError):
    """Image export needs a Chromium browser that is not there."""


#: kaleido without a browser (or a browser that died) raises one of these.
_BROWSER_ERRORS = (RuntimeError, OSError, ValueError)


def _unavailable(exc: BaseException) -> ExportUnavailable:
    return ExportUnavailable(f"image export needs Chromium (apt-get install chromium): {exc}")


class _Session:
    """The process's drawing Chromium: one kaleido session of TABS tabs, run by an event loop on a thread of its
    own, closed at exit. ``draw`` may be called from any thread; each image takes the next free tab."""

    def __init__(self) -> None:
        import kaleido
        from plotly.io import defaults

        options = {k: v for k, v in (("plotlyjs", defaults.plotlyjs), ("mathjax", defaults.mathjax)) if v}
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="cmltrack-kaleido", daemon=True).start()

        async def opened() -> Any:
            session = kaleido.Kaleido(n=TABS, **options)
            await session.open()
            return session

        try:
            self.kaleido = asyncio.run_coroutine_threadsafe(opened(), self.loop).result()
        except BaseException:
            self.loop.call_soon_threadsafe(self.loop.stop)
            raise
        atexit.register(self.close)

    def draw(self, spec: dict, opts: dict) -> Future[bytes]:
        """The image of ``spec``, drawn on the next free tab."""
        return asyncio.run_coroutine_threadsafe(self.kaleido.calc_fig(spec, opts=opts), self.loop)

    def close(self) -> None:
        """Close Chromium and stop the loop."""
        try:
            asyncio.run_coroutine_threadsafe(self.kaleido.close(), self.loop).result(timeout=10)
        except Exception:  # noqa: BLE001 (at exit: Chromium may be gone already)
            pass
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)


_session_lock = threading.Lock()
_session: _Session | None = None


def _chromium() -> _Session:
    """The process's drawing Chromium, started unless it runs (sessions click at the same time: one per process)."""
    global _session
    with _session_lock:
        if _session is None:
            try:
                _session = _Session()
            except _BROWSER_ERRORS as exc:  # kaleido without a browser
                raise _unavailable(exc) from exc
        return _session


def _drawing(spec: dict, opts: dict) -> Future[bytes]:
    return _chromium().draw(spec, opts)


def _result(drawing: Future[bytes]) -> bytes:
    try:
        return drawing.result()
    except _BROWSER_ERRORS as exc:
        raise _unavailable(exc) from exc


def _options(fig: go.Figure, fmt: str, width: int, height: int | None, scale: float) -> dict:
    if fmt not in ("png", "svg"):
        raise ValueError(f"fmt must be 'png' or 'svg', got {fmt!r}")
    return dict(format=fmt, width=width, height=height or fig.layout.height or 700, scale=scale if fmt == "png" else 1)


def image(fig: go.Figure, fmt: str, width: int = SLIDE_WIDTH_PX, height: int | None = None,
          scale: float = 2.0) -> bytes:
    """The figure as 'png' or 'svg' bytes (``height`` defaults to the figure's own)."""
    return _result(_drawing(fig.to_dict(), _options(fig, fmt, width, height, scale)))


#: Called after each image of a batch with (images done, images in all).
Progress = Callable[[int, int], None]


def images(figures: Iterable[go.Figure], fmt: str = "png", width: int = SLIDE_WIDTH_PX, height: int | None = None,
           scale: float = 2.0, progress: Progress | None = None, count: int | None = None) -> list[bytes]:
    """Each figure as 'png' or 'svg' bytes, drawn by the process's Chromium; ``progress`` is called after each.

    Each image is handed to Chromium (TABS drawing at once, in its own processes) as soon as its figure is taken
    from ``figures``, so a lazy iterable (a generator building each figure) builds the next figure while the last
    ones are drawn. ``progress`` is called in this thread, in order, as images are done, with ``count`` (default:
    ``len(figures)``) as the total."""
    total = count if count is not None else len(figures)  # type: ignore[arg-type]
    drawn: list[Future[bytes]] = []
    out: list[bytes] = []

    def collect(wait: bool) -> None:
        while len(out) < len(drawn) and (wait or drawn[len(out)].done()):
            out.append(_result(drawn[len(out)]))
            if progress is not None:
                progress(len(out), total)

    try:
        for fig in figures:
            drawn.append(_drawing(fig.to_dict(), _options(fig, fmt, width, height, scale)))
            collect(wait=False)
        collect(wait=True)
    finally:
        for d in drawn:
            d.cancel()  # after a failure: the images not drawn yet are not wanted
    return out


def html(fig: go.Figure, title: str) -> bytes:
    """A standalone HTML page with the interactive figure and plotly.js inside (opens offline)."""
    return fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False},
                       div_id="cmltrack-figure").replace("<head>", f"<head><title>{escape(title)}</title>", 1).encode()


@dataclass(frozen=True)
class Slide:
    """One slide: a title, a few lines of facts, and a figure."""

    title: str
    lines: Sequence[str]
    figure: go.Figure


def deck(slides: Iterable[Slide], footer: str, progress: Progress | None = None, count: int | None = None) -> bytes:
    """A 16:9 PowerPoint deck, one slide per entry (figure as a PNG under the title, facts on the right); the
    figures are drawn in one Chromium session and ``progress`` hears of each (of ``count``, default
    ``len(slides)``). ``slides`` may be a generator: each slide is then built while the one before is drawn."""
    from pptx import Presentation
    from pptx.util import Emu, Pt

    taken: list[Slide] = []

    def figures() -> Iterable[go.Figure]:
        for s in slides:
            taken.append(s)
            yield s.figure

    total = count if count is not None else len(slides)  # type: ignore[arg-type]
    pictures = images(figures(), "png", width=SLIDE_WIDTH_PX, height=SLIDE_HEIGHT_PX, scale=SLIDE_SCALE,
                      progress=progress, count=total)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)  # 13.33 x 7.5 in
    blank = prs.slide_layouts[6]
    for s, picture in zip(taken, pictures):
        slide = prs.slides.add_slide(blank)
        title = slide.shapes.add_textbox(Emu(380000), Emu(200000), Emu(11400000), Emu(600000)).text_frame
        title.text = s.title
        title.paragraphs[0].runs[0].font.size = Pt(28)
        title.paragraphs[0].runs[0].font.bold = True
        width = Emu(8600000 if s.lines else 11400000)
        slide.shapes.add_picture(io.BytesIO(picture), Emu(380000), Emu(900000), width=width)
        if s.lines:
            box = slide.shapes.add_textbox(Emu(9150000), Emu(1000000), Emu(2700000), Emu(5200000)).text_frame
            box.word_wrap = True
            for i, line in enumerate(s.lines):
                paragraph = box.paragraphs[0] if i == 0 else box.add_paragraph()
                paragraph.text = line
                paragraph.font.size = Pt(14)
        note = slide.shapes.add_textbox(Emu(380000), Emu(6350000), Emu(11400000), Emu(350000)).text_frame
        note.text = footer
        note.paragraphs[0].runs[0].font.size = Pt(10)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
