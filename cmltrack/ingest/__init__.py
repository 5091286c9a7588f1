"""Importing data: the project's CSV/Excel layout and CDISC ADaM/SDTM datasets, checked, then written atomically."""
