"""Membership: the network's register of agencies, the source of truth every service follows."""
