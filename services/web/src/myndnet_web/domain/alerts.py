"""Job alerts as the site's forms carry them: the sign-up form and a saved search's form in the
preference centre, checked field by field, and what notify's API takes. Plain Python."""

import re
from dataclasses import dataclass, field
from typing import Any

from myndnet_schemas.topics import AGENCY_CODE_RE

from myndnet_web.domain.search import Search, one_line
from myndnet_web.domain.texts import VOCABULARY

FREQUENCIES = tuple(VOCABULARY["frequency"])
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MAX_KEYWORDS = 20


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,;]+", text) if 2 <= len(w) <= 50][:MAX_KEYWORDS]


@dataclass
class AlertForm:
    """One saved search's fields as a form gives them (one value per filter), and the
    problems found, by field (the message ids of the catalogues that say them)."""

    agency: str = ""
    occupation_field: str = ""
    municipality: str = ""
    employment_type: str = ""
    target_group: str = ""
    keywords: str = ""
    frequency: str = "immediate"
    email: str = ""
    language: str = "sv"
    news: bool = False  # news from the network too (sign-up only)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: dict[str, str], *, with_email: bool) -> "AlertForm":
        def text(name: str, longest: int = 200) -> str:
            return one_line(form.get(name, ""), longest)

        alert = cls(
            agency=text("agency", 40),
            occupation_field=text("occupation_field", 40),
            municipality=text("municipality", 100),
            employment_type=text("employment_type", 40),
            target_group=text("target_group", 40),
            keywords=text("keywords", 500),
            frequency=text("frequency", 20),
            email=text("email", 254),
            language="en" if form.get("language") == "en" else "sv",
            news=form.get("news") == "yes",
        )
        # A value the form never offers is dropped, as a hand-edited link's would be.
        if alert.agency and not AGENCY_CODE_RE.fullmatch(alert.agency):
            alert.agency = ""
        for name in ("occupation_field", "employment_type", "target_group"):
            if getattr(alert, name) not in VOCABULARY[name]:
                setattr(alert, name, "")
        if alert.frequency not in FREQUENCIES:
            alert.errors["frequency"] = "frequency_missing"
        if with_email:
            if not alert.email:
                alert.errors["email"] = "email_missing"
            elif not EMAIL.fullmatch(alert.email):
                alert.errors["email"] = "email_invalid"
        return alert

    @classmethod
    def from_search(cls, search: Search, language: str) -> "AlertForm":
        """The sign-up form filled in with the search a person came from."""
        return cls(
            agency=search.agency,
            occupation_field=search.occupation_field,
            municipality=search.municipality,
            employment_type=search.employment_type,
            target_group=search.target_group,
            keywords=" ".join(search.saved_search_filters()["keywords"]),
            language=language,
        )

    @classmethod
    def from_saved(cls, saved: dict[str, Any]) -> "AlertForm":
        """A saved search as notify shows it (lists; the form offers one value each)."""
        filters = saved["filters"]

        def first(name: str) -> str:
            return filters.get(name, [""])[0] if filters.get(name) else ""

        return cls(
            agency=first("agencies"),
            occupation_field=first("occupation_fields"),
            municipality=first("municipalities").title(),
            employment_type=first("employment_types"),
            target_group=first("target_groups"),
            keywords=" ".join(filters.get("keywords", [])),
            frequency=saved["frequency"],
        )

    def filters(self) -> dict[str, list[str]]:
        """notify's `filters`."""

        def one(value: str) -> list[str]:
            return [value] if value else []

        return {
            "agencies": one(self.agency),
            "occupation_fields": one(self.occupation_field),
            "municipalities": one(self.municipality),
            "employment_types": one(self.employment_type),
            "target_groups": one(self.target_group),
            "keywords": _words(self.keywords),
        }

    def subscription(self) -> dict[str, Any]:
        """notify's `POST /subscriptions` body."""
        return {
            "email": self.email,
            "language": self.language,
            "frequency": self.frequency,
            "filters": self.filters(),
            "news": self.news,
        }

    def saved_search(self) -> dict[str, Any]:
        """notify's body for adding or changing a saved search."""
        return {"frequency": self.frequency, "filters": self.filters()}

    def described(self) -> dict[str, str]:
        """The filters that narrow it, by the page's filter names."""
        names = ("agency", "occupation_field", "municipality", "employment_type", "target_group")
        shown = {name: getattr(self, name) for name in names if getattr(self, name)}
        if self.keywords:
            shown["keywords"] = self.keywords
        return shown


# notify's stable refusal codes, as (field, the id of the site's words that say it).
ALERT_PROBLEMS = {"rate_limited": ("email", "rate_limited"), "too_broad": ("agency", "too_broad")}


def problem_of(status: int, code: str | None) -> tuple[str, str]:
    """notify's refusal of a form, by its code, as (field, the words' id); one without a code
    we know (the address failed validation) is about the address."""
    return ALERT_PROBLEMS.get(code or "", ("email", "email_invalid"))
