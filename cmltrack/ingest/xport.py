"""SAS transport files (XPORT, versions 5 and 8) checked before they are read.

pyreadstat reads an .xpt up to the first incomplete observation and stops there without a word, so a file cut
short in a transfer imports part of its records silently. The layout (SAS Technical Support document TS-140,
"The Record Layout of a Data Set in SAS Transport (XPORT) Format", and its version 8 supplement) lets the cut be
seen: the file is a sequence of 80-byte records; each member's header gives its variables (a "namestr" each, with
the variable's length and its position in an observation); the observations follow, back to back, and the last
80-byte record is padded with blanks. So a file whose length is not a whole number of 80-byte records, or whose
bytes after the last whole observation are not blank padding, was cut; a version 8 member also declares its number
of observations. A file cut exactly at the end of an observation that is also the end of an 80-byte record cannot
be told from a complete version 5 file.

The character data's encoding is not recorded in a version 5 file: it is read as UTF-8 when every text value is
valid UTF-8 and some are not plain ASCII (a multi-byte UTF-8 sequence is practically never WINDOWS-1252 text), and
otherwise as WINDOWS-1252 (the CDISC pilot's); a value neither can decode is named by record and variable.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

RECORD = 80
_HEADER = b"HEADER RECORD*******"
_LIBRARY = (_HEADER + b"LIBRARY HEADER RECORD!!!!!!!", _HEADER + b"LIBV8   HEADER RECORD!!!!!!!")
_MEMBER = (_HEADER + b"MEMBER  HEADER RECORD!!!!!!!", _HEADER + b"MEMBV8  HEADER RECORD!!!!!!!")
_OBS = (_HEADER + b"OBS     HEADER RECORD!!!!!!!", _HEADER + b"OBSV8   HEADER RECORD!!!!!!!")
_LABELS = (_HEADER + b"LABELV8 HEADER RECORD!!!!!!!", _HEADER + b"LABELV9 HEADER RECORD!!!!!!!")
#: Encodings tried for text, in order of preference (pyreadstat's names, Python's names).
ENCODINGS: tuple[tuple[str, str], ...] = (("UTF-8", "utf-8"), ("WINDOWS-1252", "cp1252"))


class XportError(ValueError):
    """The file is not a SAS transport file, or not a whole one; the message says which, in words."""


@dataclass(frozen=True)
class Variable:
    """One variable of a member: its name, whether it is text, its length and offset in an observation."""

    name: str
    text: bool
    length: int
    offset: int


@dataclass(frozen=True)
class Member:
    """One dataset of the file: its variables, and where its observations lie in the file."""

    name: str
    variables: tuple[Variable, ...]
    start: int
    end: int

    @property
    def width(self) -> int:
        """Bytes per observation."""
        return max((v.offset + v.length for v in self.variables), default=0)

    def observations(self, data: bytes) -> int:
        """Complete observations (trailing blank padding is not one)."""
        if not self.width:
            return 0
        n = (self.end - self.start) // self.width
        while n and data[self.start + (n - 1) * self.width:self.start + n * self.width].strip(b" ") == b"":
            n -= 1  # an all-blank observation at the very end is the record's padding (TS-140)
        return n


def describe(head: bytes) -> str:
    """What a file that is not a SAS transport file looks like, from its first bytes."""
    if head.startswith(b"PK\x03\x04"):
        return "it is a zip archive (an Excel workbook or a zipped folder?)"
    if head.startswith(b"\x1f\x8b") or head.startswith(b"RDX") or head.startswith(b"RDA"):
        return "it is an R data file (.rda/.RData): give it that name"
    if head[32:40] == b"\x00" * 8 and head[12:16] == b"\xc2\xea\x81\x60":
        return "it is a SAS dataset (.sas7bdat), not a transport file: export it with PROC COPY to XPORT"
    if head.startswith(b"PAR1"):
        return "it is a Parquet file: give it the .parquet suffix"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "its first bytes are not a SAS library header"
    if "," in text or "\t" in text or ";" in text:
        return "it is text with delimiters (a CSV file renamed .xpt?): give it the .csv suffix"
    return "it is plain text, not a SAS library header"


def _namestrs(data: bytes, pos: int, count: int, size: int, version8: bool) -> tuple[Variable, ...]:
    variables = []
    for k in range(count):
        ns = data[pos + k * size:pos + (k + 1) * size]
        if len(ns) < size:
            raise XportError("it is cut short inside its list of variables")
        ntype, _hash, length, _number = struct.unpack(">hhhh", ns[:8])
        name = ns[8:16].decode("ascii", "replace").strip()
        if version8:
            long_name = ns[88:120].decode("ascii", "replace").strip()
            name = long_name or name
        (offset,) = struct.unpack(">i", ns[84:88])
        variables.append(Variable(name, ntype == 2, length, offset))
    return tuple(variables)


def _skip_labels(data: bytes, pos: int) -> int:
    """Past a version 8 LABELV8 / LABELV9 section (long labels), if there is one."""
    record = data[pos:pos + RECORD]
    if not record.startswith(_LABELS):
        return pos
    count = int(record[48:].strip() or 0)
    v9 = record.startswith(_LABELS[1])
    cursor = pos + RECORD
    for _ in range(count):
        if v9:
            _n, name, label, fmt, infmt = struct.unpack(">hhhhh", data[cursor:cursor + 10])
            cursor += 10 + name + label + fmt + infmt
        else:
            _n, name, label = struct.unpack(">hhh", data[cursor:cursor + 6])
            cursor += 6 + name + label
    return pos + RECORD + -(-(cursor - pos - RECORD) // RECORD) * RECORD


def members(data: bytes) -> list[Member]:
    """Every member of a transport file, or XportError saying in words what is wrong with it."""
    if not data.startswith(_LIBRARY):
        raise XportError(f"is not a SAS transport (XPORT) file: {describe(data[:64])}")
    if len(data) % RECORD:
        raise XportError(f"is cut short: its length ({len(data):,} bytes) is not a whole number of 80-byte "
                         "records, as every SAS transport file's is. Copy or export it again")
    version8 = data.startswith(_LIBRARY[1])
    pos = 3 * RECORD
    found: list[Member] = []
    while pos < len(data):
        header = data[pos:pos + RECORD]
        if not header.startswith(_MEMBER):
            raise XportError(f"is damaged: no member header at byte {pos:,}")
        size = int(header[74:78])  # 140 (136 on VAX/VMS)
        descriptor = data[pos + 2 * RECORD:pos + 3 * RECORD]
        name = descriptor[8:40 if version8 else 16].decode("ascii", "replace").strip()
        namestr_header = data[pos + 4 * RECORD:pos + 5 * RECORD]
        count = int(namestr_header[54:58])
        pos += 5 * RECORD
        variables = _namestrs(data, pos, count, size, version8)
        pos += -(-count * size // RECORD) * RECORD
        pos = _skip_labels(data, pos)
        obs = data[pos:pos + RECORD]
        if not obs.startswith(_OBS):
            raise XportError(f"is damaged: member {name} has no observation header")
        declared = int(obs[48:].strip() or 0) if version8 else None
        start = pos + RECORD
        end = start
        while end < len(data) and not data[end:end + RECORD].startswith(_MEMBER):
            end += RECORD
        member = Member(name, variables, start, end)
        whole = member.observations(data)
        rest = data[start + whole * member.width:end] if member.width else b""
        if declared is not None and whole < declared:
            raise XportError(f"is cut short: member {name} holds {whole:,} of the {declared:,} observations its "
                             "header declares. Copy or export it again")
        if rest.strip(b" "):
            raise XportError(f"is cut short: the last observation of member {name} (record {whole + 1:,}) is "
                             f"incomplete, {len(rest.rstrip(b' '))} of its {member.width} bytes. Copy or export it "
                             "again")
        found.append(member)
        pos = end
    return found


def _non_ascii(data: bytes, found: list[Member]) -> list[tuple[int, Variable, bytes]]:
    """Every text value holding a byte above 127: (record number from 1, its variable, its bytes)."""
    out = []
    for m in found:
        n = m.observations(data)
        if not n:
            continue
        table = np.frombuffer(data, dtype=np.uint8, count=n * m.width, offset=m.start).reshape(n, m.width)
        for v in [v for v in m.variables if v.text]:
            cells = table[:, v.offset:v.offset + v.length]
            for k in np.flatnonzero((cells > 127).any(axis=1)):
                out.append((int(k) + 1, v, cells[k].tobytes()))
    return sorted(out, key=lambda x: x[0])


def text_encoding(data: bytes, found: list[Member]) -> tuple[str | None, str]:
    """(pyreadstat's name of the encoding the text decodes in, or None; what was found): UTF-8 when every value is
    UTF-8 and one at least is not ASCII, else WINDOWS-1252; None when neither decodes every value, with the first
    value that fails named by record and variable."""
    values = _non_ascii(data, found)
    if not values:
        return "WINDOWS-1252", "plain ASCII"
    failure = ""
    for name, codec in ENCODINGS:
        for record, variable, raw in values:
            try:
                raw.decode(codec)
            except UnicodeDecodeError as exc:
                failure = (f"record {record}, variable {variable.name}, holds byte 0x{raw[exc.start]:02X}, which "
                           f"neither {' nor '.join(n for n, _ in ENCODINGS)} can decode")
                break
        else:
            return name, f"text in {name}"
    return None, failure
