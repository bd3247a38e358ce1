"""Outreach's answers as JSON."""

from datetime import date
from typing import Any

from myndnet_outreach.domain.campaigns import Campaign
from myndnet_outreach.domain.open_events import OpenEvent
from myndnet_outreach.handlers.registrations import RegistrationView


def open_event_json(e: OpenEvent, counts: tuple[int, int] = (0, 0)) -> dict[str, Any]:
    """An open event, with how many hold a seat and how many wait (counts, no people)."""
    return {
        "id": e.event_id,
        "revision": e.revision,
        "title": e.title,
        "text": e.text,
        "kind": e.kind.value,
        "starts_at": e.starts_at.isoformat(),
        "ends_at": e.ends_at.isoformat(),
        "place": e.place,
        "online_url": e.online_url,
        "hosts": list(e.hosts),
        "target_groups": [g.value for g in e.target_groups],
        "seats": e.seats,
        "registration_deadline": e.registration_deadline.isoformat(),
        "status": e.status.value,
        "cancel_reason": e.cancel_reason,
        "seats_taken": counts[0],
        "waiting": counts[1],
    }


def registration_json(view: RegistrationView) -> dict[str, Any]:
    """What a person's own link shows: no address, and the name only while it is kept."""
    r = view.registration
    return {
        "registration_id": r.registration_id,
        "status": r.status.value,
        "name": r.name,
        "language": r.language,
        "place": view.place,
        "event": open_event_json(view.event),
    }


def campaign_json(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.campaign_id,
        "state": c.state.value,
        "agencies": list(c.agencies),
        "audience": c.audience,
        "subject": c.subject,
        "text": c.text,
        "link": c.link,
        "window": {k: v.isoformat() if isinstance(v, date) else v for k, v in c.window.items()},
        "link_visits": c.link_visits,
    }
