"""Myndnet outreach: the network as one employer."""
