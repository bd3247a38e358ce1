"""Outreach's answers as JSON."""

from typing import Any

from myndnet_outreach.domain.open_events import OpenEvent
from myndnet_outreach.handlers.registrations import RegistrationView


def open_event_json(e: OpenEvent) -> dict[str, Any]:
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
