"""How the programme is shown as JSON: to operators, and to a person through their own link."""

from datetime import date, datetime
from typing import Any

from myndnet_mentoring.domain.match import Pairing
from myndnet_mentoring.domain.people import AgencyFlow, Cohort, Manager, Volunteer, cohort_of
from myndnet_mentoring.handlers.followup import SeenByLink
from myndnet_mentoring.handlers.programme import RoundDone


def _when(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def match_json(pairing: Pairing) -> dict[str, Any]:
    m = pairing.match
    return {
        "match_id": m.match_id,
        "status": m.status.value,
        "score": m.score,
        "reasons": list(m.reasons),
        "manager": {
            "agency": pairing.manager.agency,
            "person_id": pairing.manager.person_id,
            "name": pairing.manager.name,
            "accepted": m.accepted_by("manager"),
        },
        "mentor": {
            "agency": pairing.mentor.agency,
            "person_id": pairing.mentor.person_id,
            "name": pairing.mentor.name,
            "accepted": m.accepted_by("mentor"),
        },
        "proposed_at": _when(m.proposed_at),
        "respond_by": _when(m.respond_by),
        "accepted_at": _when(m.accepted_at),
        "ends_on": _when(m.ends_on),
        "closed_at": _when(m.closed_at),
        "close_reason": m.close_reason,
    }


def manager_json(manager: Manager, now: datetime) -> dict[str, Any]:
    waiting = manager.status.value == "waiting"
    return {
        "agency": manager.agency,
        "person_id": manager.person_id,
        "name": manager.name,
        "title": manager.title,
        "unit": manager.unit,
        "start_date": _when(manager.start_date),
        "competence_areas": list(manager.competence_areas),
        "languages": list(manager.languages),
        "municipality": manager.municipality,
        "status": manager.status.value,
        "waiting_since": _when(manager.waiting_since),
        "unmatched_reason": manager.unmatched_reason,
        "cohort": cohort_of(manager.start_date),
        "waiting_days": manager.waiting_days(now),
        "why_waiting": manager.unmatched_reason if waiting else None,
    }


def mentor_json(volunteer: Volunteer) -> dict[str, Any]:
    return {
        "agency": volunteer.agency,
        "person_id": volunteer.person_id,
        "name": volunteer.name,
        "title": volunteer.title,
        "competence_areas": list(volunteer.competence_areas),
        "languages": list(volunteer.languages),
        "municipality": volunteer.municipality,
        "years_as_manager": volunteer.years_as_manager,
        "capacity": volunteer.capacity,
        "status": volunteer.status.value,
        "current_mentees": volunteer.current_mentees,
        "free_places": volunteer.free_places,
    }


def round_json(done: RoundDone) -> dict[str, Any]:
    return {
        "waiting_before": done.waiting_before,
        "mentor_places": done.mentor_places,
        "proposed": [
            {
                "match_id": p.match_id,
                "manager": f"{p.manager.agency}/{p.manager.person_id}",
                "mentor": f"{p.mentor.agency}/{p.mentor.person_id}",
                "score": p.match.score,
                "reasons": list(p.match.reasons),
            }
            for p in done.proposed
        ],
        "still_waiting": {
            f"{k[0]}/{k[1]}": reason for k, reason in sorted(done.result.unmatched.items())
        },
        "total_score": round(done.result.total_score, 6),
    }


def cohort_json(cohort: Cohort) -> dict[str, Any]:
    return {
        "cohort": cohort.name,
        "managers": cohort.managers,
        **cohort.counts,
        "status": cohort.status,
    }


def flow_json(flow: AgencyFlow) -> dict[str, Any]:
    return {
        "agency": flow.agency,
        "mentors_given": flow.mentors_given,
        "mentors_received": flow.mentors_received,
        "managers_waiting": flow.managers_waiting,
    }


def seen_by_link_json(seen: SeenByLink, *, answered: bool = True) -> dict[str, Any]:
    """The match as the link's person sees it: themself, the other person, the proposal."""
    me, other, match = (
        seen.pairing.party(seen.role),
        seen.pairing.other(seen.role),
        seen.pairing.match,
    )
    shown: dict[str, Any] = {
        "match_id": match.match_id,
        "role": seen.role,
        "status": match.status.value,
        "you": {"name": me.name, "language": me.language},
        "other": {"name": other.name, "title": other.title, "agency": other.agency},
        "reasons": list(match.reasons),
        "respond_by": _when(match.respond_by),
        "you_accepted": match.accepted_by(seen.role),
    }
    if seen.month is not None:
        shown["month"] = seen.month
    if answered:
        shown["answered"] = seen.answered
    return shown


def checkin_recorded_json(seen: SeenByLink) -> dict[str, Any]:
    return {
        "match_id": seen.pairing.match_id,
        "role": seen.role,
        "month": seen.month,
        "recorded": True,
    }
