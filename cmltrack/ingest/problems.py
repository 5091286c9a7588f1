"""What an import found wrong, named by file, row and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One error in one cell (or row, or file) of a source.

    ``row`` counts as the user sees the file: the spreadsheet line for CSV and Excel (the header is line 1), the
    record number (from 1) for SAS, R and Parquet datasets; None when the problem concerns the whole file.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file] + ([f"row {self.row}"] if self.row is not None else []) + (
            [f"column {self.column}"] if self.column else [])
        return f"{', '.join(where)}: {self.message}"


class ImportRejected(ValueError):
    """The sources hold errors; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))
        shown = "\n".join(f"  {p}" for p in self.problems[:50])
        more = f"\n  ... and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"{len(self.problems)} error(s); the database was not changed:\n{shown}{more}")
