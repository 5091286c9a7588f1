"""Values from a URL, a file or the database, made literal before they reach Streamlit's markdown.

Every text element (st.markdown, st.error, st.caption, widget labels and help) reads markdown: a patient ID, an
adverse-event term, a file name or a link parameter holding `[Session expired](https://evil.example)` would be
drawn as a link, `![x](http://host/beacon.png)` would make the browser fetch an outside image, and a bare URL
becomes a link by itself. `md` backslash-escapes every ASCII punctuation character (CommonMark reads each `\\x` as
a literal x, and Streamlit's `:red[...]`, `:material/...:` and `$...$` need punctuation too) and folds line breaks,
so a value is one line of plain text. GitHub's autolinks (`https://...`, `www.`, e-mail addresses) are found in the
text after escapes are read, so `md` also puts an invisible WORD JOINER (U+2060) after `:` of `://`, before `.` of
`www.` and after `@`: the text looks the same and is never a link. `code` puts a value in a code span, where nothing
is read.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_BREAKS = re.compile(r"[\r\n\t\f\v\u2028\u2029]+")
#: Where GitHub's autolink literals start (a scheme's ://, www., an e-mail's @), broken by a WORD JOINER.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?i:(?<=\bwww)(?=\.))|(?<=@)")
JOINER = "\u2060"


def md(value: object) -> str:
    """``value`` as literal text inside markdown (None is empty)."""
    text = "" if value is None else _BREAKS.sub(" ", str(value))
    return _PUNCTUATION.sub(r"\\\1", _AUTOLINK.sub(JOINER, text))


def code(value: object) -> str:
    """``value`` as an inline code span (a command, a path): fenced by more backticks than it holds."""
    text = "" if value is None else _BREAKS.sub(" ", str(value))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
