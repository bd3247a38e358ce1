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
PROFILE_LANGUAGES = ("sv", "en")
PROFILE_FIELDS = ("tagline", "about", "benefits", "contact")
PROFILE_LIMITS = {"tagline": 200, "about": 4000, "benefits": 12 * 201, "contact": 300}
MAX_BENEFITS = 12


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
    # The employer profile: profile_<language>_<field> as the form names them.
    profile: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, agency: dict[str, Any]) -> "AgencyForm":
        return cls(
            "\n".join(agency.get("email_domains") or []),
            agency.get("website") or "",
            agency.get("organisation_number") or "",
            "\n".join(agency.get("coordinators") or []),
            _profile_fields(agency.get("profile") or {}),
        )

    @classmethod
    def from_form(cls, form: dict[str, str]) -> "AgencyForm":
        given = cls(
            form.get("email_domains", "")[:5000],
            form.get("website", "").strip()[:2000],
            form.get("organisation_number", "").strip()[:20],
            form.get("coordinators", "")[:6000],
            {
                name: form.get(name, "").strip()[: PROFILE_LIMITS[name.rsplit("_", 1)[1]] + 1]
                for name in profile_names()
            },
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
        given.errors.update(_profile_errors(given.profile))
        return given

    def change(self) -> dict[str, Any]:
        """The body of membership's PATCH: every field of the form (empty clears it)."""
        return {
            "email_domains": [d.lstrip("@") for d in _items(self.email_domains)],
            "website": self.website or None,
            "organisation_number": self.organisation_number or None,
            "coordinators": _items(self.coordinators),
            "profile": self.employer_profile(),
        }

    def employer_profile(self) -> dict[str, Any] | None:
        """The profile membership keeps: a language with a tagline is given, one left empty is
        not; None when neither is."""
        profile: dict[str, Any] = {}
        for language in PROFILE_LANGUAGES:
            text = {f: self.profile.get(f"profile_{language}_{f}", "") for f in PROFILE_FIELDS}
            if text["tagline"]:
                profile[language] = {
                    **text,
                    "benefits": [
                        line.strip() for line in text["benefits"].splitlines() if line.strip()
                    ],
                }
        return profile or None


def profile_names() -> list[str]:
    return [f"profile_{language}_{f}" for language in PROFILE_LANGUAGES for f in PROFILE_FIELDS]


def _profile_fields(profile: dict[str, Any]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for language in PROFILE_LANGUAGES:
        text = profile.get(language) or {}
        for f in PROFILE_FIELDS:
            value = text.get(f) or ""
            fields[f"profile_{language}_{f}"] = "\n".join(value) if f == "benefits" else value
    return fields


def _profile_errors(profile: dict[str, str]) -> dict[str, str]:
    errors = {}
    for language in PROFILE_LANGUAGES:
        names = {f: f"profile_{language}_{f}" for f in PROFILE_FIELDS}
        given = {f: profile.get(name, "") for f, name in names.items()}
        if any(given.values()) and not given["tagline"]:
            errors[names["tagline"]] = "console_profile_tagline_missing"
        if len(given["tagline"]) > PROFILE_LIMITS["tagline"] or "\n" in given["tagline"]:
            errors[names["tagline"]] = "console_profile_tagline_too_long"
        if len(given["about"]) > PROFILE_LIMITS["about"]:
            errors[names["about"]] = "console_profile_about_too_long"
        benefits = [line for line in given["benefits"].splitlines() if line.strip()]
        if len(benefits) > MAX_BENEFITS or any(len(b.strip()) > 200 for b in benefits):
            errors[names["benefits"]] = "console_profile_benefits_invalid"
        if len(given["contact"]) > PROFILE_LIMITS["contact"] or "\n" in given["contact"]:
            errors[names["contact"]] = "console_profile_contact_too_long"
    return errors


# Membership's refusals (422), told at the field they concern.
REFUSED_FIELD = {
    "organisation_number": "console_organisation_number_refused",
    "email_domains": "console_domains_refused",
    "website": "console_website_invalid",
    "coordinators": "console_coordinators_invalid",
    "profile": "console_profile_refused",
}


def refusal_field(detail: Any) -> str:
    """Which of the form's fields membership's refusal is about."""
    text = str(detail)
    return next((name for name in REFUSED_FIELD if name in text), "email_domains")
