"""Frozen copies of code replaced by faster code, kept as test oracles."""
