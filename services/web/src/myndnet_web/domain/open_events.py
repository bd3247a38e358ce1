"""Open events as the site shows them: in the page's language (Swedish when there is no
English), at Swedish time, and as an iCalendar file. Plain Python."""

from datetime import datetime
from typing import Any

from icalendar import Calendar, Event
from myndnet_schemas.clock import STOCKHOLM


def shown(event: dict[str, Any], language: str, names: dict[str, str]) -> dict[str, Any]:
    """The event with its texts in `language` (and `lang` set when they fall back to Swedish),
    its times in Swedish time, and its hosts by name."""
    starts = datetime.fromisoformat(event["starts_at"]).astimezone(STOCKHOLM)
    ends = datetime.fromisoformat(event["ends_at"]).astimezone(STOCKHOLM)
    title = event["title"].get(language) or event["title"]["sv"]
    text = event["text"].get(language) or event["text"]["sv"]
    return {
        **event,
        "shown_title": title,
        "title_lang": "sv" if language == "en" and not event["title"].get("en") else None,
        "paragraphs": [p.strip() for p in text.split("\n\n") if p.strip()],
        "text_lang": "sv" if language == "en" and not event["text"].get("en") else None,
        "day": starts.date().isoformat(),
        "from_time": starts.strftime("%H:%M"),
        "to_time": ends.strftime("%H:%M"),
        "to_day": ends.date().isoformat() if ends.date() != starts.date() else None,
        "host_names": [names.get(code, code) for code in event["hosts"]],
    }


def ics(event: dict[str, Any], language: str, url: str) -> bytes:
    """One event as an iCalendar file (RFC 5545): what a calendar imports, with its revision as
    the SEQUENCE so that a changed or cancelled event updates the copy."""
    calendar = Calendar()
    calendar.add("prodid", "-//Myndighetsnätverket i Sundsvall//Myndnet//SV")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = Event()
    entry.add("uid", f"{event['id']}@myndnet.se")
    entry.add("sequence", event["revision"])
    entry.add("dtstamp", datetime.now(STOCKHOLM))
    entry.add("dtstart", datetime.fromisoformat(event["starts_at"]))
    entry.add("dtend", datetime.fromisoformat(event["ends_at"]))
    entry.add("summary", event["title"].get(language) or event["title"]["sv"])
    entry.add("description", event["text"].get(language) or event["text"]["sv"])
    location = event.get("place") or event.get("online_url")
    if location:
        entry.add("location", location)
    entry.add("url", url)
    entry.add("status", "CANCELLED" if event["status"] == "cancelled" else "CONFIRMED")
    calendar.add_component(entry)
    return calendar.to_ical()
