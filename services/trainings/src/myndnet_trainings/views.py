"""How courses, sessions and registrations are shown as JSON."""

from datetime import datetime
from typing import Any

from myndnet_trainings.domain.people import Participant
from myndnet_trainings.domain.sessions import Course
from myndnet_trainings.handlers.registrations import Loaded, RegistrationState


def course_json(course: Course) -> dict[str, Any]:
    return {
        "code": course.code,
        "title": course.title,
        "description": course.description,
        "kind": course.kind,
        "host_agency": course.host_agency,
    }


def session_json(loaded: Loaded) -> dict[str, Any]:
    """A session with the seats left in all and per agency."""
    session, seating = loaded.session, loaded.seating
    agencies = sorted(set(session.quotas) | {r.agency for r in seating.registrations})
    return {
        **session.facts.model_dump(mode="json"),
        "description": session.course.description,
        "total_seats": session.total_seats,
        "seats_left": seating.seats_left(),
        "registration_deadline": session.registration_deadline.isoformat(),
        "registration_open": session.registration_open,
        "deadline_passed": session.deadline_passed,
        "status": session.status,
        "agencies": [
            {
                "agency": agency,
                "seats": session.quotas.get(agency, 0),
                "registered": seating.registered(agency),
                "waitlisted": len(seating.waitlist(agency)),
                "seats_left": seating.seats_free_for(agency),
            }
            for agency in agencies
        ],
    }


def registration_json(state: RegistrationState) -> dict[str, Any]:
    """What a person's own link shows of their registration."""
    person, session = state.participant, state.loaded.session
    return {
        "registration_id": state.registration_id,
        "status": state.seating.get(state.registration_id).status.value,
        "place": state.seating.place(state.registration_id),
        "name": person.name,
        "email": person.email,
        "agency": person.agency,
        "language": person.language,
        "session": session.facts.model_dump(mode="json"),
        "registration_deadline": session.registration_deadline.isoformat(),
        "session_status": session.status,
    }


def participant_json(person: Participant) -> dict[str, Any]:
    """A registration as operators see it: everything it holds."""

    def moment(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "registration_id": person.registration_id,
        "session_id": person.session_id,
        "agency": person.agency,
        "name": person.name,
        "email": person.email,
        "language": person.language,
        "status": person.status.value,
        "registration_order": person.order,
        "attended": person.attended,
        "requested_at": moment(person.requested_at),
        "confirmed_at": moment(person.confirmed_at),
        "cancelled_at": moment(person.cancelled_at),
        "cancelled_because": person.cancelled_because,
        "erased_at": moment(person.erased_at),
    }
