"""Units shared by every layer (no dependencies)."""

#: Days in an average Gregorian month (365.25 / 12); the unit of every "months" figure in cmltrack.
MONTH_DAYS = 30.4375
