"""How a vacancy is shown: JSON, schema.org JobPosting (JSON-LD) and Atom."""

from datetime import UTC, datetime, time
from typing import Any
from xml.etree import ElementTree as ET

import asyncpg
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.text import xml_safe

ATOM = "http://www.w3.org/2005/Atom"

# schema.org employmentType: FULL_TIME, PART_TIME, CONTRACTOR, TEMPORARY, INTERN, ...
_EXTENT = {"full_time": "FULL_TIME", "part_time": "PART_TIME"}
_EMPLOYMENT = {
    "fixed_term": "TEMPORARY",
    "temporary": "TEMPORARY",
    "summer_job": "TEMPORARY",
    "trainee": "INTERN",
    "internship": "INTERN",
    "thesis": "INTERN",
}


def vacancy_json(row: asyncpg.Record, base_url: str) -> dict[str, Any]:
    return {
        "agency": row["agency"],
        "agency_name": row["agency_name"],
        "vacancy_id": row["vacancy_id"],
        "revision": row["revision"],
        "status": row["status"],
        "closed_reason": row["closed_reason"],
        "title": row["title"],
        "description": row["description"],
        "occupation_field": row["occupation_field"],
        "ssyk": row["ssyk"],
        "employment_type": row["employment_type"],
        "extent": row["extent"],
        "municipality": row["municipality"],
        "municipality_code": row["municipality_code"],
        "remote": row["remote"],
        "target_groups": list(row["target_groups"]),
        "published_on": row["published_on"].isoformat(),
        "application_deadline": row["application_deadline"].isoformat(),
        "apply_url": row["apply_url"],
        "languages": list(row["languages"]),
        "security_clearance": row["security_clearance"],
        "url": f"{base_url}/vacancies/{row['agency']}/{row['vacancy_id']}",
    }


def end_of_day(day: Any) -> str:
    """The last second of a day in Stockholm, as RFC 3339."""
    return datetime.combine(day, time(23, 59, 59), STOCKHOLM).isoformat()


def job_posting(row: asyncpg.Record, base_url: str) -> dict[str, Any]:
    types = [_EXTENT[row["extent"]]]
    if row["employment_type"] in _EMPLOYMENT:
        types.append(_EMPLOYMENT[row["employment_type"]])
    organisation: dict[str, Any] = {
        "@type": "GovernmentOrganization",
        "name": row["agency_name"] or row["agency"],
        "identifier": row["agency"],
    }
    if row["agency_website"]:
        organisation["sameAs"] = row["agency_website"]
    address: dict[str, Any] = {
        "@type": "PostalAddress",
        "addressLocality": row["municipality"],
        "addressCountry": "SE",
    }
    posting: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "@id": f"{base_url}/vacancies/{row['agency']}/{row['vacancy_id']}",
        "identifier": {"@type": "PropertyValue", "name": row["agency"], "value": row["vacancy_id"]},
        "title": row["title"],
        "description": row["description"],
        "datePosted": row["published_on"].isoformat(),
        "validThrough": end_of_day(row["application_deadline"]),
        "employmentType": types,
        "hiringOrganization": organisation,
        "jobLocation": {"@type": "Place", "address": address},
        "url": row["apply_url"],
        "directApply": False,  # applications go through the agency's own system
        "inLanguage": list(row["languages"]),
    }
    if row["remote"] == "remote":
        # Google: a remote job names where applicants may live.
        posting["jobLocationType"] = "TELECOMMUTE"
        posting["applicantLocationRequirements"] = {"@type": "Country", "name": "SE"}
    if row["ssyk"]:
        posting["occupationalCategory"] = row["ssyk"]
    if row["security_clearance"]:
        posting["securityClearanceRequirement"] = (
            "Tjänsten är placerad i säkerhetsklass; säkerhetsprövning med registerkontroll "
            "görs före anställning."
        )
    return posting


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def atom_feed(rows: list[asyncpg.Record], base_url: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "sv"})

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        attrs = {name: xml_safe(value) for name, value in attrs.items()}
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = xml_safe(text)
        return element

    add(feed, "id", f"{base_url}/vacancies/feed.atom")
    add(feed, "title", "Lediga jobb i Myndighetsnätverket")
    add(feed, "subtitle", "Öppna tjänster hos myndigheterna i Sundsvallsregionen")
    newest = max((r["updated_at"] for r in rows), default=datetime.now(UTC))
    add(feed, "updated", _rfc3339(newest))
    add(
        feed,
        "link",
        rel="self",
        href=f"{base_url}/vacancies/feed.atom",
        type="application/atom+xml",
    )
    add(feed, "link", rel="alternate", href=f"{base_url}/vacancies", type="application/json")
    author = add(feed, "author")
    add(author, "name", "Myndighetsnätverket")
    for row in rows:
        entry = add(feed, "entry")
        page = f"{base_url}/vacancies/{row['agency']}/{row['vacancy_id']}"
        add(entry, "id", page)
        add(entry, "title", row["title"])
        add(entry, "updated", _rfc3339(row["updated_at"]))
        add(
            entry,
            "published",
            datetime.combine(row["published_on"], time(0), STOCKHOLM).isoformat(),
        )
        add(entry, "link", rel="alternate", href=page, type="application/json")
        add(entry, "link", rel="related", href=row["apply_url"], type="text/html")
        entry_author = add(entry, "author")
        add(entry_author, "name", row["agency_name"] or row["agency"])
        add(entry, "category", term=row["occupation_field"])
        summary = row["description"]
        if len(summary) > 600:
            summary = summary[:600].rsplit(" ", 1)[0] + " …"
        add(
            entry,
            "summary",
            f"{summary}\n\nSista ansökningsdag: "
            f"{row['application_deadline'].isoformat()} · {row['municipality']}",
        )
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
