"""The network's clock: its days are Stockholm's days, whatever zone a machine runs in. Here,
with the contract, so that an agency's tools judge deadlines by the same day as the services."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def stockholm_today() -> date:
    """Today in Sundsvall: deadlines, check-ins and erasure are counted in these days."""
    return datetime.now(STOCKHOLM).date()
