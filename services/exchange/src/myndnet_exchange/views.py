"""Exchange's answers as JSON."""

from typing import Any

from myndnet_kit.membership import MembershipFollower
from myndnet_schemas.events.exchange import Step

from myndnet_exchange.domain.assignments import Assignment, Interest
from myndnet_exchange.domain.profiles import Profile


def assignment_json(a: Assignment, host_name: str) -> dict[str, Any]:
    return {
        "host": a.host,
        "host_name": host_name,
        "id": a.assignment_id,
        "revision": a.revision,
        "title": a.title,
        "description": a.description,
        "skills": list(a.skills),
        "percent": a.percent,
        "first_day": a.first_day.isoformat(),
        "last_day": a.last_day.isoformat(),
        "municipality": a.municipality,
        "remote": a.remote.value,
        "kind": a.kind.value,
        "answer_by": a.answer_by.isoformat(),
        "state": a.state.value,
    }


def interest_json(i: Interest) -> dict[str, Any]:
    return {
        "id": i.interest_id,
        "host": i.host,
        "assignment_id": i.assignment_id,
        "home": i.home,
        "state": i.state.value,
        "waiting_for": i.pending.value if i.pending else None,
        "declined_by": i.declined_step.value if i.declined_step else None,
    }


def seen_by_link(
    a: Assignment, i: Interest, step: Step, membership: MembershipFollower
) -> dict[str, Any]:
    """What one party's link shows: the person's address and note to the coordinators, who
    must know whom they approve; to the person, their own."""
    return {
        "assignment": assignment_json(a, membership.name_of(a.host)),
        "interest": {
            **interest_json(i),
            "email": i.email,
            "home_name": membership.name_of(i.home),
            "note": i.note,
        },
        "step": step.value,
        "answerable": i.pending is step and a.state.value == "open",
    }


def profile_json(p: Profile) -> dict[str, Any]:
    return {
        "email": p.email,
        "agency": p.agency,
        "skills": list(p.skills),
        "languages": list(p.languages),
        "open_to": [o.value for o in p.open_to],
        "summary": p.summary,
        "updated_at": p.updated_at.isoformat(),
    }
