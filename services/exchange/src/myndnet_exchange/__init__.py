"""Myndnet exchange: loans, secondments and short assignments between agencies."""
