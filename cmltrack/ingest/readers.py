"""Reading source files into named datasets: CSV, Excel, Parquet, SAS transport (.xpt) and R (.rda/.RData)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cmltrack.ingest.problems import Problem

#: File types the importer reads.
SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet", ".xpt", ".rda", ".rdata")
#: CSV files are read as UTF-8 (a byte-order mark is allowed), the encoding Excel's "CSV UTF-8" writes.
CSV_ENCODING = "UTF-8"


@dataclass
class Dataset:
    """One table read from a source file.

    ``name`` is the dataset's own name, lower case (file stem, Excel sheet, R object); ``label`` names it in
    messages; ``first_row`` is the row number of its first record as the user sees the file (2 for CSV and Excel,
    whose line 1 is the header; 1 for datasets).
    """

    name: str
    label: str
    frame: pd.DataFrame
    first_row: int

    @property
    def rows(self) -> pd.Series:
        """The user-facing row number of every record."""
        return pd.Series(range(self.first_row, self.first_row + len(self.frame)), index=self.frame.index)


def read_source(path: str | Path, display: str | None = None) -> tuple[list[Dataset], list[Problem]]:
    """Every dataset in one file, or the problem that stopped it being read. ``display`` names it in messages."""
    path = Path(path)
    label = display or path.name
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            try:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=["", "NA"],  # R writes NA
                                    encoding="utf-8-sig")
            except UnicodeDecodeError as exc:
                return [], [Problem(label, _line_of(path, exc.start), None, _not_utf8(exc))]
            return [Dataset(path.stem.lower(), label, frame, 2)], []
        if suffix == ".xlsx":
            sheets = pd.read_excel(path, sheet_name=None, dtype=object)
            return [Dataset(name.strip().lower(), f"{label} [{name}]", frame, 2) for name, frame in sheets.items()], []
        if suffix == ".parquet":
            return [Dataset(path.stem.lower(), label, pd.read_parquet(path), 1)], []
        if suffix == ".xpt":
            return _read_xport(path, label)
        if suffix in (".rda", ".rdata"):
            import pyreadr

            objects = pyreadr.read_r(str(path))
            return [Dataset(name.lower(), f"{label} [{name}]" if len(objects) > 1 else label, frame, 1)
                    for name, frame in objects.items()], []
    except Exception as exc:  # any reader failure is reported against the file, never raised at the user
        return [], [Problem(label, None, None, f"cannot be read as {suffix.lstrip('.')}: {exc}")]
    return [], [Problem(label, None, None, f"unsupported file type {suffix or '(none)'}; expected one of "
                                           f"{', '.join(SUFFIXES)}")]


def _line_of(path: Path, offset: int) -> int:
    """The line (from 1) holding byte ``offset`` of a file."""
    with open(path, "rb") as f:
        return f.read(offset).count(b"\n") + 1


def _not_utf8(exc: UnicodeDecodeError) -> str:
    byte = exc.object[exc.start]
    return (f"is not {CSV_ENCODING} text (the encoding tried): this line holds byte 0x{byte:02X}, which {CSV_ENCODING} "
            "cannot decode (the file was probably saved as Windows-1252 or Latin-1). Save it again as UTF-8: in "
            "Excel, Save As 'CSV UTF-8 (Comma delimited)'; in LibreOffice, Character set 'Unicode (UTF-8)'")


def _read_xport(path: Path, label: str) -> tuple[list[Dataset], list[Problem]]:
    """An .xpt checked whole (cmltrack.ingest.xport) before pyreadstat reads it in the encoding its text is in."""
    import pyreadstat

    from cmltrack.ingest.xport import XportError, members, text_encoding

    data = path.read_bytes()
    try:
        found = members(data)
    except XportError as exc:
        return [], [Problem(label, None, None, str(exc))]
    encoding, what = text_encoding(data, found)
    if encoding is None:
        return [], [Problem(label, None, None, f"its text cannot be decoded: {what}. Export it again in UTF-8 or "
                                               "WINDOWS-1252 (SAS: the session's ENCODING option)")]
    if len(found) > 1:
        return [], [Problem(label, None, None, f"holds {len(found)} datasets ({', '.join(m.name for m in found)}); "
                                               "export one dataset per .xpt file")]
    frame, _meta = pyreadstat.read_xport(str(path), encoding=encoding)
    expected = found[0].observations(data) if found else 0
    if len(frame) != expected:  # never import part of a file without a word
        return [], [Problem(label, None, None, f"{len(frame):,} of its {expected:,} observations could be read")]
    return [Dataset(path.stem.lower(), label, frame, 1)], []
