"""Topic names of the network, and agency codes (which appear in topic names and URLs)."""

import re

# The contract's shape of a code (in the released event schemas); a code is registered only if
# it also begins and ends with a letter or digit (no "--"): see `validate_agency_code`.
AGENCY_CODE_RE = re.compile(r"^[a-z0-9-]{2,40}$")
_NEW_CODE_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])")

MEMBERSHIP_AGENCIES = "membership.agencies"
VACANCIES = "vacancies.vacancies"
MENTORING_MATCHES = "mentoring.matches"
NOTIFY_DELIVERIES = "notify.deliveries"

# Regular expressions for pattern subscriptions over every agency's HR topics.
HR_VACANCIES_PATTERN = r"^hr\.[a-z0-9-]{2,40}\.vacancies$"
HR_LEADERSHIP_PATTERN = r"^hr\.[a-z0-9-]{2,40}\.leadership$"
_HR_TOPIC_RE = re.compile(r"^hr\.([a-z0-9-]{2,40})\.(vacancies|leadership)$")


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


def dlq(service: str) -> str:
    return f"dlq.{service}"


def agency_of_hr_topic(topic: str) -> str | None:
    """The agency code in `hr.<code>.vacancies` / `hr.<code>.leadership`, else None."""
    match = _HR_TOPIC_RE.fullmatch(topic)
    return match.group(1) if match else None


def agency_source(code: str) -> str:
    return f"/agencies/{validate_agency_code(code)}"


def service_source(service: str) -> str:
    return f"/services/{service}"
