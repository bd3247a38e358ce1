"""A training registration as its form gives it, checked field by field; what trainings'
refusals mean for the form; and how a session reads on a page. Plain Python."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.topics import AGENCY_CODE_RE

from myndnet_web.domain.alerts import EMAIL
from myndnet_web.domain.search import one_line


@dataclass
class RegistrationForm:
    name: str = ""
    email: str = ""
    agency: str = ""
    language: str = "sv"
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(
        cls, form: dict[str, str], agencies: dict[str, dict[str, Any]]
    ) -> "RegistrationForm":
        """`agencies`: those whose staff can register (they have told their e-mail domains)."""
        answer = cls(
            name=one_line(form.get("name", ""), 200),
            email=one_line(form.get("email", ""), 254),
            agency=one_line(form.get("agency", ""), 40),
            language="en" if form.get("language") == "en" else "sv",
        )
        if not answer.name:
            answer.errors["name"] = "training_name_missing"
        if not answer.agency or not AGENCY_CODE_RE.fullmatch(answer.agency):
            answer.agency = ""
            answer.errors["agency"] = "training_agency_missing"
        elif answer.agency not in agencies:
            answer.errors["agency"] = "training_agency_without_domains"
        if not answer.email:
            answer.errors["email"] = "email_missing"
        elif not EMAIL.fullmatch(answer.email):
            answer.errors["email"] = "email_invalid"
        elif answer.agency in agencies and not is_work_address(
            answer.email, agencies[answer.agency]
        ):
            answer.errors["email"] = "training_not_work_email"
        return answer

    def body(self) -> dict[str, str]:
        """trainings' `POST /sessions/{id}/registrations`."""
        return {
            "name": self.name,
            "email": self.email,
            "agency": self.agency,
            "language": self.language,
        }


def is_work_address(email: str, agency: dict[str, Any]) -> bool:
    return email.rpartition("@")[2].lower() in agency.get("email_domains", [])


# trainings' stable refusal codes, as (field, the id of the site's words that say it).
REGISTRATION_PROBLEMS = {
    "already_registered": ("email", "training_already_registered"),
    "registration_closed": ("form", "training_closed"),
    "conflict": ("form", "training_closed"),
    "not_work_address": ("email", "training_not_work_email"),
    "no_email_domains": ("email", "training_not_work_email"),
    "unknown_agency": ("agency", "training_agency_missing"),
}


def problem_of(status: int, code: str | None) -> tuple[str, str]:
    """trainings' refusal of a registration, by its code, as (field, the words' id); a refusal
    without a code we know (a form that failed validation) is about the address."""
    return REGISTRATION_PROBLEMS.get(code or "", ("email", "email_invalid"))


def when(session: dict[str, Any]) -> dict[str, str]:
    """The session's day and hours as people in Sweden read them."""
    starts = datetime.fromisoformat(session["starts_at"]).astimezone(STOCKHOLM)
    ends = datetime.fromisoformat(session["ends_at"]).astimezone(STOCKHOLM)
    same_day = starts.date() == ends.date()
    return {
        "day": starts.date().isoformat(),
        "datetime": starts.isoformat(),
        "hours": f"{starts:%H:%M}–{ends:%H:%M}"
        if same_day
        else f"{starts:%H:%M}–{ends:%Y-%m-%d %H:%M}",
    }
