"""Browser tier: skipped with a clear reason when Debian's Chromium or Playwright is missing."""

from __future__ import annotations

import os
import shutil

import pytest

from scripts.harness import CHROMIUM, chromium, streamlit_server


def pytest_collection_modifyitems(config, items):
    reason = None
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (pip install -r requirements-dev.txt)"
    if reason and os.environ.get("CI"):
        raise pytest.UsageError(f"browser tests cannot run in CI: {reason}")
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.xdist_group("browser"))  # one worker runs them all, one after another
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium, one per test module."""
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def server(demo_db):
    """A real `streamlit run` on the demo database, one per test module (a module may define its own)."""
    with streamlit_server(demo_db) as url:
        yield url
