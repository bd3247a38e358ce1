"""What needs a coordinator's attention, each with what resolves it: an agency whose feed has
been silent 14 days, entries in the services' dead-letter queues, managers waiting 30 days
without a mentor, pairs that missed a check-in, work addresses that bounced. Plain Python."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from myndnet_schemas.clock import STOCKHOLM

SILENT_AFTER_DAYS = 14
WAITING_AFTER_DAYS = 30


@dataclass(frozen=True)
class Item:
    kind: str  # silent_feed, dlq, waiting, missed_checkin, bounced
    agency: str | None  # the agency's code, when the item is one agency's
    values: dict[str, Any]


def attention(
    agencies: list[dict[str, Any]],
    today: date,
    *,
    vacancies: dict[str, Any] | None,
    mentoring: dict[str, Any] | None,
    dlq: dict[str, list[dict[str, Any]]],
    bounced: list[dict[str, Any]],
) -> list[Item]:
    """`dlq`: each service's entries not yet replayed; `bounced`: notify's suppressed work
    addresses. A source that did not answer adds nothing (the page says which did not)."""
    names = {a["code"]: a["name"] for a in agencies}
    items: list[Item] = []
    if vacancies is not None:
        last = {a["agency"]: a["last_change_at"] for a in vacancies["agencies"]}
        for a in agencies:
            at = last.get(a["code"])
            seen = datetime.fromisoformat(at).astimezone(STOCKHOLM).date() if at else None
            if seen is None or (today - seen).days >= SILENT_AFTER_DAYS:
                items.append(Item("silent_feed", a["code"], {"since": seen}))
    for service, entries in sorted(dlq.items()):
        by_agency: dict[str | None, int] = {}
        for entry in entries:
            code = agency_of_entry(entry, names)
            by_agency[code] = by_agency.get(code, 0) + 1
        for code, count in sorted(by_agency.items(), key=lambda kv: kv[0] or ""):
            items.append(Item("dlq", code, {"service": service, "count": count}))
    if mentoring is not None:
        waiting: dict[str, int] = {}
        for w in mentoring["waiting"]:
            if (today - date.fromisoformat(w["since"])).days >= WAITING_AFTER_DAYS:
                waiting[w["agency"]] = waiting.get(w["agency"], 0) + 1
        for code, count in sorted(waiting.items()):
            items.append(Item("waiting", code, {"count": count}))
        for m in mentoring["missed_checkins"]:
            items.append(
                Item(
                    "missed_checkin",
                    m["manager_agency"],
                    {
                        "match_id": m["match_id"],
                        "month": m["month"],
                        "answer_by": m["answer_by"],
                        "mentor_agency": names.get(m["mentor_agency"], m["mentor_agency"]),
                    },
                )
            )
    domains = {d: a["code"] for a in agencies for d in a.get("email_domains") or []}
    for b in bounced:
        code = domains.get(b["email"].rpartition("@")[2].lower())
        items.append(Item("bounced", code, {"email": b["email"], "since": b["since"][:10]}))
    return items


def agency_of_entry(entry: dict[str, Any], names: dict[str, str]) -> str | None:
    """The agency a dead letter is about, when it says: an agency's own topic
    (`hr.<code>.…`), or a key that begins with the agency's code."""
    topic = entry.get("topic") or ""
    if topic.startswith("hr."):
        code = topic.split(".")[1]
        if code in names:
            return code
    key = (entry.get("key") or "").split("/")[0]
    return key if key in names else None


def visible_to(
    items: list[Item], network_coordinator: bool, coordinates: tuple[str, ...]
) -> list[Item]:
    """A network coordinator sees everything; an agency's coordinator their agencies' items."""
    if network_coordinator:
        return items
    return [i for i in items if i.agency in coordinates]
