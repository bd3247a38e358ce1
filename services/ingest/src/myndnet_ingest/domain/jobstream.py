"""JobTech JobStream ads as the network's vacancy events, in plain Python.

An ad whose employer's organisation number is a member agency's becomes that agency's
`vacancy.published` (the first time) or `vacancy.updated` (a later version); a removed ad that
was published becomes `vacancy.withdrawn`, `expired` after its deadline, else `cancelled`. The
revision is the ad's update time in milliseconds, so a newer version always wins and the same
version read twice is the same event.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from myndnet_schemas.events import EventData, VacancyPublished, VacancyUpdated, VacancyWithdrawn

PLATSBANKEN = "https://arbetsformedlingen.se/platsbanken/annonser/"
_DIGITS = re.compile(r"\D")

# SSYK 2012 unit groups (or their first digits) to the contract's occupation fields; the
# longest matching prefix wins, anything else is `other`.
SSYK_FIELDS = {
    "1": "management",
    "21": "technical",
    "23": "education",
    "241": "finance",
    "2423": "hr",
    "2431": "communication",
    "2432": "communication",
    "25": "it",
    "261": "law",
    "2642": "communication",
    "2661": "social_work",
    "31": "technical",
    "335": "investigation",
    "35": "it",
    "41": "administration",
    "42": "customer_service",
    "54": "security",
}


@dataclass(frozen=True)
class Known:
    """What the connector published of an ad: its agency, revision and deadline."""

    agency: str
    revision: int
    application_deadline: date | None
    withdrawn: bool = False


@dataclass(frozen=True)
class Decision:
    agency: str
    ad_id: str
    event: EventData
    known: Known


@dataclass(frozen=True)
class Skipped:
    ad_id: str
    reason: str


def organisation_number(ad: Mapping[str, Any]) -> str | None:
    """`2021005489` → `202100-5489`, as membership writes it; None when the ad has none."""
    digits = _DIGITS.sub("", str((ad.get("employer") or {}).get("organization_number") or ""))
    return f"{digits[:6]}-{digits[6:]}" if len(digits) == 10 else None


def revision(ad: Mapping[str, Any]) -> int:
    """The ad's update time in milliseconds: `timestamp` when the ad carries it, else the
    removal, last publication or publication time."""
    stamp = ad.get("timestamp")
    if isinstance(stamp, int) and stamp > 0:
        return stamp
    for name in ("removed_date", "last_publication_date", "publication_date"):
        if ad.get(name):
            return int(_moment(str(ad[name])).timestamp() * 1000)
    return 1


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day(value: Any) -> date | None:
    return _moment(str(value)).date() if value else None


def _label(ad: Mapping[str, Any], name: str) -> str:
    return str((ad.get(name) or {}).get("label") or "")


def occupation_field(ssyk: str | None) -> str:
    if not ssyk:
        return "other"
    for length in range(len(ssyk), 0, -1):
        if ssyk[:length] in SSYK_FIELDS:
            return SSYK_FIELDS[ssyk[:length]]
    return "other"


def employment_type(ad: Mapping[str, Any]) -> str:
    kind, duration = _label(ad, "employment_type").lower(), _label(ad, "duration").lower()
    if "sommar" in kind or "ferie" in kind:
        return "summer_job"
    if "behov" in kind:
        return "temporary"
    if not duration or "tills vidare" in duration or "tillsvidare" in duration:
        return "permanent"
    return "fixed_term"


def extent(ad: Mapping[str, Any]) -> str:
    hours = _label(ad, "working_hours_type").lower()
    top = (ad.get("scope_of_work") or {}).get("max")
    if "deltid" in hours or (isinstance(top, int | float) and top < 100):
        return "part_time"
    return "full_time"


def _https(url: Any) -> str | None:
    return url if isinstance(url, str) and url.startswith("https://") and len(url) <= 2000 else None


def vacancy_fields(ad: Mapping[str, Any]) -> dict[str, Any] | str:
    """The contract's vacancy fields from an ad, or why it cannot be mapped."""
    title = " ".join(str(ad.get("headline") or "").split())[:200]
    if not title:
        return "the ad has no headline"
    address = ad.get("workplace_address") or {}
    municipality = " ".join(str(address.get("municipality") or "").split())[:100]
    if not municipality:
        return "the ad names no municipality"
    published = _day(ad.get("publication_date"))
    if published is None:
        return "the ad has no publication date"
    deadline = _day(ad.get("application_deadline")) or published + timedelta(days=30)
    group = ad.get("occupation_group") or {}
    ssyk = str(group.get("legacy_ams_taxonomy_id") or "")
    code = str(address.get("municipality_code") or "")
    details = ad.get("application_details") or {}
    fields: dict[str, Any] = {
        "vacancy_id": f"af-{ad['id']}",
        "revision": revision(ad),
        "title": title,
        "description": str((ad.get("description") or {}).get("text") or "")[:20_000],
        "occupation_field": occupation_field(ssyk if re.fullmatch(r"\d{4}", ssyk) else None),
        "employment_type": employment_type(ad),
        "extent": extent(ad),
        "municipality": municipality,
        "remote": "on_site",
        "target_groups": [],
        "published_on": published.isoformat(),
        "application_deadline": max(deadline, published).isoformat(),
        "apply_url": _https(details.get("url"))
        or _https(ad.get("webpage_url"))
        or f"{PLATSBANKEN}{ad['id']}",
        "languages": ["sv"],  # JobStream does not say which languages the work needs
    }
    if re.fullmatch(r"\d{4}", ssyk):
        fields["ssyk"] = ssyk
    if re.fullmatch(r"\d{4}", code):
        fields["municipality_code"] = code
    return fields


def decide(
    ad: Mapping[str, Any],
    members: Mapping[str, str],
    known: Known | None,
    today: date,
) -> Decision | Skipped | None:
    """What one ad means for the network: an event, a reason it is skipped, or nothing (an ad
    of no member, or a version already published)."""
    ad_id = str(ad.get("id") or "")
    if not ad_id or not re.fullmatch(r"[A-Za-z0-9._-]{1,60}", ad_id):
        return Skipped(ad_id, "the ad has no usable id")
    stamp = revision(ad)
    if known is not None and stamp <= known.revision:
        return None  # this version, or a newer one, was published already
    if ad.get("removed"):
        if known is None or known.withdrawn:
            return None
        expired = known.application_deadline is not None and today > known.application_deadline
        withdrawn = VacancyWithdrawn(
            vacancy_id=f"af-{ad_id}",
            revision=stamp,
            reason="expired" if expired else "cancelled",
        )
        return Decision(
            known.agency,
            ad_id,
            withdrawn,
            Known(known.agency, stamp, known.application_deadline, withdrawn=True),
        )
    agency = members.get(organisation_number(ad) or "")
    if agency is None:
        return None
    if known is not None and known.agency != agency:
        return Skipped(ad_id, "the ad moved to another employer")
    fields = vacancy_fields(ad)
    if isinstance(fields, str):
        return Skipped(ad_id, fields)
    model = VacancyPublished if known is None or known.withdrawn else VacancyUpdated
    try:
        event = model(**fields)
    except ValueError as exc:
        return Skipped(ad_id, f"the ad does not fit the contract: {exc}")
    return Decision(
        agency,
        ad_id,
        event,
        Known(agency, stamp, date.fromisoformat(fields["application_deadline"])),
    )
