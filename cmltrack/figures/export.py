"""Files for slides: figures as PNG, SVG or self-contained HTML, and a PowerPoint deck.

PNG and SVG are drawn by kaleido with Debian's Chromium (apt-get install chromium); HTML embeds plotly.js so it
opens offline. The first image a process draws starts one Chromium (kaleido's sync server, about 3 s) that stays
for the process's life and draws every later image, one at a time, in a few tenths of a second (a download of the
swimmer took 5 s when each started a Chromium of its own; `python -m bench.exports`); a deck reports each image.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

import plotly.graph_objects as go

SLIDE_WIDTH_PX, SLIDE_HEIGHT_PX = 1600, 900


def images_available() -> bool:
    """Whether a Chromium for kaleido is installed (PNG and SVG need one; HTML does not)."""
    import shutil

    return any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome", "chrome"))


class ExportUnavailable(RuntimeError):
    """Image export needs a Chromium browser that is not there."""


_server_lock = threading.Lock()


def _chromium() -> None:
    """Start the process's drawing Chromium unless it runs (kaleido stops it at exit)."""
    import kaleido
    from plotly.io import defaults

    options = {k: v for k, v in (("plotlyjs", defaults.plotlyjs), ("mathjax", defaults.mathjax)) if v}
    with _server_lock:  # sessions click at the same time; one server per process
        kaleido.start_sync_server(n=1, silence_warnings=True, **options)


def _draw(spec: dict, opts: dict) -> bytes:
    import kaleido

    try:
        _chromium()
        return kaleido.calc_fig_sync(spec, opts=opts)
    except (RuntimeError, OSError, ValueError) as exc:  # kaleido without a browser
        raise ExportUnavailable(f"image export needs Chromium (apt-get install chromium): {exc}") from exc


def _options(fig: go.Figure, fmt: str, width: int, height: int | None, scale: float) -> dict:
    if fmt not in ("png", "svg"):
        raise ValueError(f"fmt must be 'png' or 'svg', got {fmt!r}")
    return dict(format=fmt, width=width, height=height or fig.layout.height or 700, scale=scale if fmt == "png" else 1)


def image(fig: go.Figure, fmt: str, width: int = SLIDE_WIDTH_PX, height: int | None = None,
          scale: float = 2.0) -> bytes:
    """The figure as 'png' or 'svg' bytes (``height`` defaults to the figure's own)."""
    return _draw(fig.to_dict(), _options(fig, fmt, width, height, scale))


#: Called after each image of a batch with (images done, images in all).
Progress = Callable[[int, int], None]


def images(figures: Sequence[go.Figure], fmt: str = "png", width: int = SLIDE_WIDTH_PX, height: int | None = None,
           scale: float = 2.0, progress: Progress | None = None) -> list[bytes]:
    """Each figure as 'png' or 'svg' bytes, drawn by the process's Chromium; ``progress`` is called after each."""
    specs = [(f.to_dict(), _options(f, fmt, width, height, scale)) for f in figures]
    out: list[bytes] = []
    for spec, opts in specs:
        out.append(_draw(spec, opts))
        if progress is not None:
            progress(len(out), len(specs))
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
