"""Reading the markdown a page sent as its reader sees it (cmltrack.ui.escape makes data literal)."""

from __future__ import annotations

import re

_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: str) -> str:
    """The text a markdown body shows: backslash escapes read, the invisible word joiners that stop autolinks
    dropped."""
    return _ESCAPED.sub(r"\1", markdown).replace("\u2060", "")
