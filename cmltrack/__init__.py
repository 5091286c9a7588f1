"""cmltrack: follow CML patients through imatinib and imatinib + thalidomide."""

__version__ = "0.1.0"
