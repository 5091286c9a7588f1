"""The presentation-mode cookie: what a browser carries to the server before a new session's first run.

A reload, an edited URL or a server restart gives a new Streamlit session whose first run already reaches the
browser, so presentation mode cannot live in the session or the URL alone. While the mode is on, the page keeps a
browser-session cookie (no expiry, path /, SameSite=Strict) holding this browser's pseudonym seed and the digest of
the patient-id set the pseudonyms were drawn over; the server reads it with `st.context.cookies` in the first run.
The cookie is written by a small same-origin script (a `st.components.v2` component) and cleared only when the user
turns the mode off and confirms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import streamlit as st

NAME = "cmltrack_board"
_VALUE = re.compile(r"1\.(?P<seed>[0-9a-f]{16})\.(?P<digest>[0-9a-f]{16})(?P<redrawn>\.redrawn)?")

_JS = """
export default function ({ data }) {
  if (!data || !data.name) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  if (data.value) {
    document.cookie = `${data.name}=${data.value}; path=/; SameSite=Strict${secure}`;
  } else {
    document.cookie = `${data.name}=; path=/; Max-Age=0; SameSite=Strict${secure}`;
  }
  if (data.reload) window.location.reload();
}
"""
_writer = st.components.v2.component("cmltrack_board_cookie", js=_JS)


@dataclass(frozen=True)
class BoardCookie:
    """What the cookie says: presentation mode is on; the pseudonym seed and the id-set digest it was drawn over
    (None when the value is not one this app wrote); whether the last session lost its pseudonyms."""

    seed: int | None = None
    digest: str | None = None
    redrawn: bool = False

    def value(self) -> str:
        """The cookie's text (needs a seed and a digest)."""
        if self.seed is None or self.digest is None:
            raise ValueError("a board cookie needs a seed and a digest")
        return f"1.{self.seed:016x}.{self.digest}" + (".redrawn" if self.redrawn else "")


def parse(value: str | None) -> BoardCookie | None:
    """None without a cookie. Any other value turns the mode on (fail safe); only a well-formed one gives a seed."""
    if value is None:
        return None
    match = _VALUE.fullmatch(value.strip())
    if not match:
        return BoardCookie()
    return BoardCookie(int(match["seed"], 16), match["digest"], bool(match["redrawn"]))


def sent() -> str | None:
    """The cookie's text as this browser sent it when the session began (None without one)."""
    value = st.context.cookies.get(NAME)
    return value if isinstance(value, str) else None


def read() -> BoardCookie | None:
    """What the cookie this browser sent when the session began says (None when it sent none)."""
    return parse(sent())


def write(cookie: BoardCookie | None, reload: bool = False) -> None:
    """Set (or, with None, clear) the cookie in the browser; ``reload`` reloads the page once it is set."""
    with st.sidebar:
        _writer(key="board_cookie", data={"name": NAME, "value": cookie.value() if cookie else None,
                                          "reload": reload}, height=0)
