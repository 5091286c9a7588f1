"""Find identifying values of a database in anything a browser received: page text, URLs, titles, websocket frames
(Streamlit's protobuf messages, with the Arrow tables inside them decoded) and downloaded files (PNG metadata, SVG,
HTML, PPTX XML, CSV).

Identifiers: patient ids, MRNs, names (whole and each part), and every calendar date of any table (birth dates
included) in the forms a screen or a chart could print them: 2019-03-14, 2019-03, Mar 2019, March 2019, Mar 14, 2019,
14 Mar 2019, Mar 14 (a Plotly date tick), 14/03/2019, 03/14/2019, 14.03.2019 and 20190314.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

_MONTHS = "|".join(calendar.month_abbr[1:])
#: Substrings that could be a printed date; each is then looked up among the database's dates.
_CANDIDATE = re.compile(
    rb"(?<!\d)\d{4}-\d\d(?:-\d\d)?(?!\d)|(?<!\d)\d{1,2}[./]\d{1,2}[./]\d{4}(?!\d)|(?<!\d)\d{8}(?!\d)"
    rb"|(?<![A-Za-z])(?:" + _MONTHS.encode() + rb")[a-z]* \d{1,2}(?:, \d{4})?(?!\d)"
    rb"|(?<!\d)\d{1,2} (?:" + _MONTHS.encode() + rb")[a-z]* \d{4}(?!\d)"
    rb"|(?<![A-Za-z])(?:" + _MONTHS.encode() + rb")[a-z]* \d{4}(?!\d)")


def date_forms(day: dt.date) -> set[str]:
    """Every way a screen, a table or a chart tick could print ``day`` (or its month)."""
    abbr, full = calendar.month_abbr[day.month], calendar.month_name[day.month]
    return {f"{day:%Y-%m-%d}", f"{day:%Y-%m}", f"{abbr} {day.year}", f"{full} {day.year}",
            f"{abbr} {day.day}, {day.year}", f"{day.day} {abbr} {day.year}", f"{abbr} {day.day}",
            f"{full} {day.day}", f"{day:%d/%m/%Y}", f"{day:%m/%d/%Y}", f"{day:%d.%m.%Y}", f"{day:%Y%m%d}"}


@dataclass
class Identifiers:
    """What must never reach a de-identified screen, read from one database."""

    words: list[bytes]
    dates: set[str]
    found: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, db: Path | str) -> Identifiers:
        from cmltrack.db.connection import open_readonly

        with open_readonly(db) as con:
            people = con.execute("SELECT patient_id, mrn, display_name FROM patients").fetchall()
            columns = con.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE data_type IN ('DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE')").fetchall()
            days: set[dt.date] = set()
            for table, column in columns:
                days |= {row[0] for row in con.execute(
                    f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL').fetchall()}  # noqa: S608
        words = set()
        for pid, mrn, name in people:
            words |= {pid, mrn, name, *(name or "").split()}
        forms = set().union(*(date_forms(d if isinstance(d, dt.date) else d.date()) for d in days))
        return cls(sorted((w.encode() for w in words if w), key=len, reverse=True), forms)

    def scan(self, where: str, data: bytes | str) -> list[str]:
        """The identifiers in ``data``; each is also recorded with ``where`` in ``found``."""
        raw = data.encode() if isinstance(data, str) else data
        hits = [w.decode() for w in self.words if w in raw]
        hits += [m.decode() for m in {c for c in _CANDIDATE.findall(raw)} if m.decode() in self.dates]
        self.found += [(where, h) for h in hits]
        return hits


def _message(payload: bytes | str):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    try:
        return ForwardMsg.FromString(payload.encode() if isinstance(payload, str) else payload)
    except Exception:  # noqa: BLE001 (not a ForwardMsg)
        return None


def run_finished(payload: bytes | str) -> bool:
    """Whether a websocket frame from the server says a script run has finished."""
    msg = _message(payload)
    return msg is not None and msg.HasField("script_finished")


def frame_texts(payload: bytes | str) -> list[bytes]:
    """A websocket frame from the server as bytes to search: the raw protobuf and every Arrow table in it as text
    (a date column would travel as numbers, so one is reported by its type)."""
    raw = payload.encode() if isinstance(payload, str) else payload
    out = [raw]
    msg = _message(raw)
    if msg is None:  # the raw bytes are searched anyway
        return out
    element = msg.delta.new_element
    if msg.HasField("delta") and element.HasField("dataframe") and element.dataframe.arrow_data.data:
        import pyarrow as pa

        table = pa.ipc.open_stream(element.dataframe.arrow_data.data).read_all()
        dated = [f.name for f in table.schema if pa.types.is_date(f.type) or pa.types.is_timestamp(f.type)]
        out.append(("DATE COLUMNS " + " ".join(dated)).encode() if dated else b"")
        out.append(table.to_pandas().to_csv(index=False).encode())
    return out


def png_text(data: bytes) -> bytes:
    """The text chunks of a PNG (tEXt, zTXt, iTXt, eXIf): where a PNG carries metadata."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    out, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            body = key + b" " + zlib.decompress(rest[1:])
        if kind in (b"tEXt", b"zTXt", b"iTXt", b"eXIf"):
            out.append(body)
        at += 12 + length
    return b"\n".join(out)


def file_texts(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """The searchable parts of a downloaded file, by its kind."""
    suffix = Path(name).suffix.lower()
    if suffix == ".png":
        return [(name, png_text(data))]
    if suffix == ".html":
        from plotly.offline import get_plotlyjs

        return [(name, data.replace(get_plotlyjs().encode(), b""))]  # the library itself holds example dates
    if suffix == ".pptx":
        parts = []
        with zipfile.ZipFile(io.BytesIO(data)) as deck:
            for part in deck.namelist():
                content = deck.read(part)
                if part.endswith((".xml", ".rels")):
                    parts.append((f"{name}:{part}", content))
                elif part.endswith(".png"):
                    parts.append((f"{name}:{part}", png_text(content)))
        return parts
    return [(name, data)]  # SVG, CSV: text as it is
