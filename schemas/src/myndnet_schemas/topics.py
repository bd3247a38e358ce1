"""Topic names of the network, and agency codes (which appear in topic names and URLs)."""

import re
from dataclasses import dataclass

# The contract's shape of a code (in the released event schemas); a code is registered only if
# it also begins and ends with a letter or digit (no "--"): see `validate_agency_code`.
AGENCY_CODE_RE = re.compile(r"^[a-z0-9-]{2,40}$")
_NEW_CODE_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])")

MEMBERSHIP_AGENCIES = "membership.agencies"
MEMBERSHIP_SIGN_INS = "membership.sign_ins"
VACANCIES = "vacancies.vacancies"
MENTORING_MATCHES = "mentoring.matches"
NOTIFY_DELIVERIES = "notify.deliveries"
TRAININGS_REGISTRATIONS = "trainings.registrations"
OUTREACH_ACTIVITIES = "outreach.activities"
EXCHANGE_ASSIGNMENTS = "exchange.assignments"

# Regular expressions for pattern subscriptions over every agency's HR topics.
HR_VACANCIES_PATTERN = r"^hr\.[a-z0-9-]{2,40}\.vacancies$"
HR_LEADERSHIP_PATTERN = r"^hr\.[a-z0-9-]{2,40}\.leadership$"
HR_EXCHANGE_PATTERN = r"^hr\.[a-z0-9-]{2,40}\.exchange$"
_HR_TOPIC_RE = re.compile(r"^hr\.([a-z0-9-]{2,40})\.(vacancies|leadership|exchange)$")


class InvalidAgencyCode(ValueError):
    pass


def validate_agency_code(code: str) -> str:
    # fullmatch: `$` in `match` would accept a trailing newline.
    if not isinstance(code, str) or not _NEW_CODE_RE.fullmatch(code):
        raise InvalidAgencyCode(
            f"agency code {code!r} is not valid: use 2–40 characters of a–z, 0–9 and '-', "
            "beginning and ending with a letter or digit (for example 'skatteverket' or "
            "'tr-sundsvall')"
        )
    return code


def hr_vacancies(code: str) -> str:
    return f"hr.{validate_agency_code(code)}.vacancies"


def hr_leadership(code: str) -> str:
    return f"hr.{validate_agency_code(code)}.leadership"


def hr_exchange(code: str) -> str:
    return f"hr.{validate_agency_code(code)}.exchange"


def hr_topics(code: str) -> list[str]:
    """Every topic an agency's HR system writes."""
    return [hr_vacancies(code), hr_leadership(code), hr_exchange(code)]


def dlq(service: str) -> str:
    return f"dlq.{service}"


def agency_of_hr_topic(topic: str) -> str | None:
    """The agency code in `hr.<code>.vacancies`, `.leadership` or `.exchange`, else None."""
    match = _HR_TOPIC_RE.fullmatch(topic)
    return match.group(1) if match else None


def agency_source(code: str) -> str:
    return f"/agencies/{validate_agency_code(code)}"


def service_source(service: str) -> str:
    return f"/services/{service}"


# -- who writes and reads which topic: the one table the consumers' source check, the ACLs of
# the secure profile and the AsyncAPI document are built from.

AGENCY = "agency"  # the writer of `hr.<code>.*`: that agency's HR system, and nobody else


@dataclass(frozen=True)
class Topic:
    address: str  # the name, or a template with {agency}
    writer: str  # a service, or AGENCY
    readers: tuple[str, ...]  # the services that consume it
    key: str
    description: str


SERVICES = (
    "membership",
    "vacancies",
    "mentoring",
    "notify",
    "trainings",
    "ingest",
    "outreach",
    "exchange",
)
TOPICS = (
    Topic(
        "hr.{agency}.vacancies",
        AGENCY,
        ("vacancies",),
        "vacancy_id",
        "An agency's vacancies, written by that agency's HR system only.",
    ),
    Topic(
        "hr.{agency}.leadership",
        AGENCY,
        ("mentoring",),
        "person_id",
        "An agency's new managers and mentors.",
    ),
    Topic(
        "hr.{agency}.exchange",
        AGENCY,
        ("exchange",),
        "assignment_id",
        "An agency's loans, secondments and short assignments for the network's staff.",
    ),
    Topic(
        MEMBERSHIP_AGENCIES,
        "membership",
        SERVICES,
        "agency code",
        "The network's agencies (compacted: the latest state per code).",
    ),
    Topic(
        MEMBERSHIP_SIGN_INS,
        "membership",
        ("notify",),
        "link id",
        "Staff's sign-in links for notify to mail (work addresses; a link id, never the link).",
    ),
    Topic(
        VACANCIES,
        "vacancies",
        ("notify",),
        "<code>/<vacancy_id>",
        "Every vacancy's lifecycle across the network.",
    ),
    Topic(
        MENTORING_MATCHES,
        "mentoring",
        ("notify",),
        "match id",
        "Mentor matches and their lifecycle.",
    ),
    Topic(
        TRAININGS_REGISTRATIONS,
        "trainings",
        ("notify",),
        "session id",
        "Joint trainings: sessions scheduled and cancelled, registrations, attendance.",
    ),
    Topic(
        OUTREACH_ACTIVITIES,
        "outreach",
        ("notify",),
        "open event or campaign id",
        "Open events scheduled, changed and cancelled, and campaigns (never people).",
    ),
    Topic(
        EXCHANGE_ASSIGNMENTS,
        "exchange",
        (),
        "<host>/<assignment_id>",
        "Assignments between agencies: interest, the three approvals, declines, agreements.",
    ),
    Topic(
        NOTIFY_DELIVERIES,
        "notify",
        (),
        "delivery id",
        "E-mail deliveries (no candidate addresses).",
    ),
)


def written_by(service: str) -> list[str]:
    """The topics a service publishes: its own and its DLQ."""
    return [t.address for t in TOPICS if t.writer == service] + [dlq(service)]


def read_by(service: str) -> list[str]:
    """The services' topics a service consumes (agencies' topics are granted per agency)."""
    return [t.address for t in TOPICS if service in t.readers and t.writer != AGENCY]


def writer_of(address: str) -> str:
    """Who may publish on a topic of the contract (by its contract name)."""
    for topic in TOPICS:
        if topic.address == address:
            return topic.writer
    raise KeyError(f"{address!r} is not a topic of the contract")
