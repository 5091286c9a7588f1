"""Reading source files into named datasets: CSV, Excel, Parquet, SAS transport (.xpt) and R (.rda/.RData)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cmltrack.ingest.problems import Problem

#: File types the importer reads.
SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet", ".xpt", ".rda", ".rdata")
#: SAS transport files from the CDISC pilot are WINDOWS-1252; pyreadstat is told so rather than left to guess.
XPT_ENCODING = "WINDOWS-1252"


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
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=["", "NA"],  # R writes NA
                                encoding="utf-8-sig")
            return [Dataset(path.stem.lower(), label, frame, 2)], []
        if suffix == ".xlsx":
            sheets = pd.read_excel(path, sheet_name=None, dtype=object)
            return [Dataset(name.strip().lower(), f"{label} [{name}]", frame, 2) for name, frame in sheets.items()], []
        if suffix == ".parquet":
            return [Dataset(path.stem.lower(), label, pd.read_parquet(path), 1)], []
        if suffix == ".xpt":
            import pyreadstat

            frame, _meta = pyreadstat.read_xport(str(path), encoding=XPT_ENCODING)
            return [Dataset(path.stem.lower(), label, frame, 1)], []
        if suffix in (".rda", ".rdata"):
            import pyreadr

            objects = pyreadr.read_r(str(path))
            return [Dataset(name.lower(), f"{label} [{name}]" if len(objects) > 1 else label, frame, 1)
                    for name, frame in objects.items()], []
    except Exception as exc:  # any reader failure is reported against the file, never raised at the user
        return [], [Problem(label, None, None, f"cannot be read as {suffix.lstrip('.')}: {exc}")]
    return [], [Problem(label, None, None, f"unsupported file type {suffix or '(none)'}; expected one of "
                                           f"{', '.join(SUFFIXES)}")]
