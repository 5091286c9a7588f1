"""Files for slides: figures as PNG, SVG or self-contained HTML, and a PowerPoint deck.

PNG and SVG are drawn by kaleido with Debian's Chromium (apt-get install chromium); HTML embeds plotly.js so it
opens offline. Several images (a deck) are drawn in one Chromium session, one after another, reporting each.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from queue import Queue

import plotly.graph_objects as go

SLIDE_WIDTH_PX, SLIDE_HEIGHT_PX = 1600, 900


def images_available() -> bool:
    """Whether a Chromium for kaleido is installed (PNG and SVG need one; HTML does not)."""
    import shutil

    return any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome", "chrome"))


class ExportUnavailable(RuntimeError):
    """Image export needs a Chromium browser that is not there."""


def image(fig: go.Figure, fmt: str, width: int = SLIDE_WIDTH_PX, height: int | None = None,
          scale: float = 2.0) -> bytes:
    """The figure as 'png' or 'svg' bytes (``height`` defaults to the figure's own)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"fmt must be 'png' or 'svg', got {fmt!r}")
    try:
        return fig.to_image(format=fmt, width=width, height=height or fig.layout.height or 700,
                            scale=scale if fmt == "png" else 1)
    except (RuntimeError, OSError, ValueError) as exc:  # kaleido without a browser
        raise ExportUnavailable(f"image export needs Chromium (apt-get install chromium): {exc}") from exc


#: Called after each image of a batch with (images done, images in all).
Progress = Callable[[int, int], None]


def images(figures: Sequence[go.Figure], fmt: str = "png", width: int = SLIDE_WIDTH_PX, height: int | None = None,
           scale: float = 2.0, progress: Progress | None = None) -> list[bytes]:
    """Each figure as 'png' or 'svg' bytes, drawn in one Chromium session (starting Chromium is most of the cost
    of one image); ``progress`` is called in the caller's thread after each."""
    import kaleido
    from plotly.io import defaults

    if fmt not in ("png", "svg"):
        raise ValueError(f"fmt must be 'png' or 'svg', got {fmt!r}")
    specs = [(f.to_dict(), dict(format=fmt, width=width, height=height or f.layout.height or 700,
                                scale=scale if fmt == "png" else 1)) for f in figures]
    options = {k: v for k, v in (("plotlyjs", defaults.plotlyjs), ("mathjax", defaults.mathjax)) if v}
    done: Queue = Queue()

    async def draw() -> None:
        async with kaleido.Kaleido(n=1, **options) as browser:
            for spec, opts in specs:
                done.put(await browser.calc_fig(spec, opts=opts))

    def run() -> None:  # its own thread and event loop, as kaleido's one-shot calls do
        try:
            asyncio.run(draw())
        except BaseException as exc:  # noqa: BLE001 (handed to the caller's thread)
            done.put(exc)

    worker = threading.Thread(target=run, name="kaleido-batch", daemon=True)
    worker.start()
    out: list[bytes] = []
    while len(out) < len(specs):
        item = done.get()
        if isinstance(item, BaseException):
            worker.join()
            raise ExportUnavailable(f"image export needs Chromium (apt-get install chromium): {item}") from item
        out.append(item)
        if progress is not None:
            progress(len(out), len(specs))
    worker.join()
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


def deck(slides: Sequence[Slide], footer: str, progress: Progress | None = None) -> bytes:
    """A 16:9 PowerPoint deck, one slide per entry (figure as a PNG under the title, facts on the right); the
    figures are drawn in one Chromium session and ``progress`` hears of each."""
    from pptx import Presentation
    from pptx.util import Emu, Pt

    pictures = images([s.figure for s in slides], "png", width=SLIDE_WIDTH_PX, height=SLIDE_HEIGHT_PX, scale=1.5,
                      progress=progress)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)  # 13.33 x 7.5 in
    blank = prs.slide_layouts[6]
    for s, picture in zip(slides, pictures):
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
