"""The contract's vocabularies whose values the site offers, in the order it offers them.
What the site says of them, and every other word of its pages, is in the gettext catalogues
`locales/<language>/LC_MESSAGES/site.po` (`<vocabulary>.<value>`, and the templates' ids)."""

from pathlib import Path
from typing import Literal

from myndnet_kit.i18n import Catalogue, MissingMessage, load_catalogue

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")

VOCABULARY: dict[str, tuple[str, ...]] = {
    "occupation_field": (
        "it",
        "law",
        "finance",
        "administration",
        "hr",
        "communication",
        "investigation",
        "customer_service",
        "management",
        "security",
        "education",
        "social_work",
        "technical",
        "other",
    ),
    "employment_type": (
        "permanent",
        "fixed_term",
        "temporary",
        "summer_job",
        "trainee",
        "internship",
        "thesis",
    ),
    "target_group": (
        "students",
        "graduates",
        "experienced",
        "managers",
    ),
    "remote": (
        "on_site",
        "hybrid",
        "remote",
    ),
    "extent": (
        "full_time",
        "part_time",
    ),
    "frequency": (
        "immediate",
        "daily",
        "weekly",
    ),
    "status": (
        "pending",
        "confirmed",
        "paused",
        "unsubscribed",
    ),
    "kind": (
        "agency",
        "university",
        "court",
        "municipality",
    ),
    "course_kind": (
        "it",
        "leadership",
        "other",
    ),
    "language": (
        "sv",
        "en",
    ),
}

LOCALES = Path(__file__).resolve().parents[1] / "locales"
CATALOGUES: dict[Language, Catalogue] = {
    language: load_catalogue(LOCALES, "site", language) for language in LANGUAGES
}


def label(vocabulary: str, value: str, language: Language) -> str:
    """A contract value as people read it; a value the site does not know, as it is."""
    try:
        return CATALOGUES[language].gettext(f"{vocabulary}.{value}")
    except MissingMessage:
        return value
