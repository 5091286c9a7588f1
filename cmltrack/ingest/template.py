"""The import template: one CSV per table of the project's layout, with its header and one fictitious row."""

from __future__ import annotations

import io
import zipfile

from cmltrack.ingest.native import LAYOUT, template_csv

README = """cmltrack import template

One file per table; keep the file names. Only patients.csv is needed to add patients; the other tables refer to
them by patient_id. Dates are ISO 8601 (YYYY-MM-DD). Partial dates (YYYY-MM, YYYY) are completed by the rules in
the README ("Importing data") and marked as imputed. Doses are mg per day; 0 mg only for placebo.
Response kinds: CHR, PCyR, CCyR, MMR (MR3), MR4, MR4.5, MR5, LOSS_CHR, LOSS_CCYR, LOSS_MMR, PROG_AP, PROG_BP,
and RECIST CR, PR, PD. CTCAE grades 1-5. Replace the example rows (fictitious) with your own.
"""


def template_zip() -> bytes:
    """A zip of the template CSVs and a short README."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("README.txt", README)
        for table in LAYOUT:
            z.writestr(f"{table}.csv", template_csv(table))
    return buffer.getvalue()
