"""Notify's rows that expire, for the kit's retention job (which deletes them in batches)."""

from datetime import timedelta

from myndnet_kit.retention import Expiry


def expiries(signup_attempts_kept: timedelta, search_changes_kept: timedelta) -> list[Expiry]:
    """Tokens past their expiry (used or not), sign-up attempts older than the rate limits
    look back, and saved-search changes every replica's index has read."""
    return [
        Expiry("tokens", "expires_at < $1", timedelta(0)),
        Expiry("signup_attempts", "at < $1", signup_attempts_kept),
        Expiry("search_changes", "at < $1", search_changes_kept),
    ]
