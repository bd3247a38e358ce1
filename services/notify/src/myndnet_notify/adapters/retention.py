"""Notify's rows that expire, for the kit's retention job (which deletes them in batches)."""

from datetime import timedelta

from myndnet_kit.retention import Expiry

# 13 months. A delivery's record is what keeps a second mail from being queued for the same
# event (its `dedupe_key`): an event can come again only while the broker and the inbox still
# hold it (7 days by default), so a year and more covers it many times over. Suppressions are
# kept on the address itself, not here, and stay.
DELIVERIES_KEPT = timedelta(days=396)


def expiries(signup_attempts_kept: timedelta, search_changes_kept: timedelta) -> list[Expiry]:
    """Tokens past their expiry (used or not), sign-up attempts older than the rate limits
    look back, saved-search changes every replica's index has read, and finished deliveries
    older than 13 months."""
    return [
        Expiry("deliveries", "status <> 'queued' AND created_at < $1", DELIVERIES_KEPT),
        Expiry("tokens", "expires_at < $1", timedelta(0)),
        Expiry("signup_attempts", "at < $1", signup_attempts_kept),
        Expiry("search_changes", "at < $1", search_changes_kept),
    ]
