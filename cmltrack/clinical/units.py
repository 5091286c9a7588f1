"""Units shared by every layer (no dependencies)."""

#: Days in an average Gregorian year; the unit of every "years" figure in cmltrack.
YEAR_DAYS = 365.25
#: Days in an average Gregorian month (YEAR_DAYS / 12); the unit of every "months" figure in cmltrack.
MONTH_DAYS = YEAR_DAYS / 12
