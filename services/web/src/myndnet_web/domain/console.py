"""The coordinator's console: who may act for which agency, and the form that changes an
agency's details. Plain Python; membership has the last word on every value."""

import re
from dataclasses import dataclass, field
from typing import Any

from myndnet_web.domain.alerts import EMAIL
from myndnet_web.domain.staff import Staff

DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ORGANISATION_NUMBER = re.compile(r"^\d{6}-?\d{4}$")
MAX_ITEMS = 20


def agencies_for(staff: Staff, agencies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The agencies this coordinator acts for: every one for the network's coordinators."""
    if staff.network_coordinator:
        return agencies
    return [a for a in agencies if a["code"] in staff.coordinates]


def may_act_for(staff: Staff, code: str) -> bool:
    return staff.network_coordinator or code in staff.coordinates


def _items(text: str) -> list[str]:
    """One a line, or separated by commas or spaces, as people paste them."""
    return [item for item in re.split(r"[\s,;]+", text.strip().lower()) if item]


@dataclass
class AgencyForm:
    email_domains: str = ""
    website: str = ""
    organisation_number: str = ""
    coordinators: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, agency: dict[str, Any]) -> "AgencyForm":
        return cls(
            "\n".join(agency.get("email_domains") or []),
            agency.get("website") or "",
            agency.get("organisation_number") or "",
            "\n".join(agency.get("coordinators") or []),
        )

    @classmethod
    def from_form(cls, form: dict[str, str]) -> "AgencyForm":
        given = cls(
            form.get("email_domains", "")[:5000],
            form.get("website", "").strip()[:2000],
            form.get("organisation_number", "").strip()[:20],
            form.get("coordinators", "")[:6000],
        )
        domains, coordinators = _items(given.email_domains), _items(given.coordinators)
        if len(domains) > MAX_ITEMS or not all(DOMAIN.fullmatch(d.lstrip("@")) for d in domains):
            given.errors["email_domains"] = "console_domains_invalid"
        if given.website and not given.website.startswith("https://"):
            given.errors["website"] = "console_website_invalid"
        if given.organisation_number and not ORGANISATION_NUMBER.fullmatch(
            given.organisation_number
        ):
            given.errors["organisation_number"] = "console_organisation_number_invalid"
        if len(coordinators) > MAX_ITEMS or not all(EMAIL.fullmatch(c) for c in coordinators):
            given.errors["coordinators"] = "console_coordinators_invalid"
        return given

    def change(self) -> dict[str, Any]:
        """The body of membership's PATCH: every field of the form (empty clears it)."""
        return {
            "email_domains": [d.lstrip("@") for d in _items(self.email_domains)],
            "website": self.website or None,
            "organisation_number": self.organisation_number or None,
            "coordinators": _items(self.coordinators),
        }


# Membership's refusals (422), told at the field they concern.
REFUSED_FIELD = {
    "organisation_number": "console_organisation_number_refused",
    "email_domains": "console_domains_refused",
    "website": "console_website_invalid",
    "coordinators": "console_coordinators_invalid",
}


def refusal_field(detail: Any) -> str:
    """Which of the form's fields membership's refusal is about."""
    text = str(detail)
    return next((name for name in REFUSED_FIELD if name in text), "email_domains")
