"""Open events as the site shows them: in the page's language (Swedish when there is no
English), at Swedish time, and as an iCalendar file. Plain Python."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from icalendar import Calendar, Event
from myndnet_schemas.clock import STOCKHOLM

from myndnet_web.domain.alerts import EMAIL
from myndnet_web.domain.search import one_line


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
        "open_for_registration": open_for_registration(event, datetime.now(STOCKHOLM)),
        "seats_left": max(0, event["seats"] - event.get("seats_taken", 0))
        if event["seats"]
        else None,
    }


def open_for_registration(event: dict[str, Any], now: datetime) -> bool:
    return (
        event["status"] == "scheduled"
        and now < datetime.fromisoformat(event["starts_at"])
        and now.astimezone(STOCKHOLM).date().isoformat() <= event["registration_deadline"]
    )


@dataclass
class EventRegistrationForm:
    """A registration for an open event as its form gives it, checked field by field."""

    name: str = ""
    email: str = ""
    language: str = "sv"
    news: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: dict[str, str]) -> "EventRegistrationForm":
        answer = cls(
            name=one_line(form.get("name", ""), 200),
            email=one_line(form.get("email", ""), 254),
            language="en" if form.get("language") == "en" else "sv",
            news=form.get("news") == "yes",
        )
        if not answer.name:
            answer.errors["name"] = "training_name_missing"
        if not answer.email:
            answer.errors["email"] = "email_missing"
        elif not EMAIL.fullmatch(answer.email):
            answer.errors["email"] = "email_invalid"
        return answer

    def body(self) -> dict[str, Any]:
        """outreach's `POST /open-events/{id}/registrations`."""
        return {
            "name": self.name,
            "email": self.email,
            "language": self.language,
            "news": self.news,
        }


def registration_problem(code: str | None) -> tuple[str, str]:
    """outreach's refusal of a registration as (field, the words' id): a closed event is the
    form's; anything else (a form that failed validation) is about the address."""
    if code in ("closed", "conflict"):
        return "form", "event_registration_closed"
    return "email", "email_invalid"


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
