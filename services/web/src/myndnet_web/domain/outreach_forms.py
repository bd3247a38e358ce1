"""The console's forms for outreach: an open event to plan, a campaign to plan. Each is read
from the posted pairs (a checkbox field comes once per value), checked field by field, and
turned into outreach's body; outreach has the last word. Plain Python."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from myndnet_schemas.clock import STOCKHOLM

from myndnet_web.domain.search import one_line
from myndnet_web.domain.texts import VOCABULARY

KINDS = ("career_fair", "campus_visit", "open_house", "webinar", "other")
HOUR_MINUTE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
HTTPS = re.compile(r"^https://[^\s/]+\.[^\s]*$")


def form_values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]


def form_line(pairs: list[tuple[str, str]], name: str, longest: int = 200) -> str:
    found = form_values(pairs, name)
    return one_line(found[-1], longest) if found else ""


def form_text(pairs: list[tuple[str, str]], name: str, longest: int) -> str:
    found = form_values(pairs, name)
    return found[-1].replace("\r\n", "\n").strip()[:longest] if found else ""


def form_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class EventForm:
    title_sv: str = ""
    title_en: str = ""
    text_sv: str = ""
    text_en: str = ""
    kind: str = "career_fair"
    day: str = ""
    from_time: str = "10:00"
    to_time: str = "15:00"
    place: str = ""
    online_url: str = ""
    hosts: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    seats: str = ""
    deadline: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]], may_host: set[str]) -> "EventForm":
        """`may_host`: the agencies this coordinator may plan an event for."""
        form = cls(
            title_sv=form_line(pairs, "title_sv"),
            title_en=form_line(pairs, "title_en"),
            text_sv=form_text(pairs, "text_sv", 8000),
            text_en=form_text(pairs, "text_en", 8000),
            kind=form_line(pairs, "kind", 20),
            day=form_line(pairs, "day", 10),
            from_time=form_line(pairs, "from_time", 5),
            to_time=form_line(pairs, "to_time", 5),
            place=form_line(pairs, "place"),
            online_url=form_line(pairs, "online_url", 500),
            hosts=[h for h in form_values(pairs, "hosts") if h in may_host][:30],
            target_groups=[
                g for g in form_values(pairs, "target_groups") if g in VOCABULARY["target_group"]
            ],
            seats=form_line(pairs, "seats", 6),
            deadline=form_line(pairs, "deadline", 10),
        )
        errors = form.errors
        if not form.title_sv:
            errors["title_sv"] = "console_event_title_missing"
        if not form.text_sv:
            errors["text_sv"] = "console_event_text_missing"
        if form.kind not in KINDS:
            form.kind = "career_fair"
        day, deadline = form_day(form.day), form_day(form.deadline)
        if day is None:
            errors["day"] = "console_day_invalid"
        if not HOUR_MINUTE.fullmatch(form.from_time) or not HOUR_MINUTE.fullmatch(form.to_time):
            errors["from_time"] = "console_time_invalid"
        elif form.to_time <= form.from_time:
            errors["from_time"] = "console_time_order"
        if not form.place and not form.online_url:
            errors["place"] = "console_place_missing"
        if form.online_url and not HTTPS.fullmatch(form.online_url):
            errors["online_url"] = "console_https_invalid"
        if not form.hosts:
            errors["hosts"] = "console_hosts_missing"
        if form.seats and (not form.seats.isdigit() or not 1 <= int(form.seats) <= 100_000):
            errors["seats"] = "console_seats_invalid"
        if deadline is None:
            errors["deadline"] = "console_day_invalid"
        elif day is not None and deadline > day:
            errors["deadline"] = "console_deadline_after"
        return form

    def body(self) -> dict[str, Any]:
        """outreach's `POST /open-events`."""
        day = date.fromisoformat(self.day)

        def moment(hour_minute: str) -> str:
            return datetime.combine(day, time.fromisoformat(hour_minute), STOCKHOLM).isoformat()

        return {
            "title": {"sv": self.title_sv, "en": self.title_en or None},
            "text": {"sv": self.text_sv, "en": self.text_en or None},
            "kind": self.kind,
            "starts_at": moment(self.from_time),
            "ends_at": moment(self.to_time),
            "place": self.place or None,
            "online_url": self.online_url or None,
            "hosts": self.hosts,
            "target_groups": self.target_groups,
            "seats": int(self.seats) if self.seats else None,
            "registration_deadline": self.deadline,
        }


@dataclass
class CampaignForm:
    subject_sv: str = ""
    subject_en: str = ""
    text_sv: str = ""
    text_en: str = ""
    link: str = ""
    agencies: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    occupation_fields: list[str] = field(default_factory=list)
    municipalities: str = ""
    languages: list[str] = field(default_factory=list)
    first_day: str = ""
    last_day: str = ""
    from_hour: str = "9"
    to_hour: str = "17"
    weekdays_only: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]], may_ask: set[str]) -> "CampaignForm":
        """`may_ask`: the agencies this coordinator may ask for a campaign for."""
        form = cls(
            subject_sv=form_line(pairs, "subject_sv"),
            subject_en=form_line(pairs, "subject_en"),
            text_sv=form_text(pairs, "text_sv", 5000),
            text_en=form_text(pairs, "text_en", 5000),
            link=form_line(pairs, "link", 500),
            agencies=[a for a in form_values(pairs, "agencies") if a in may_ask][:30],
            target_groups=[
                g for g in form_values(pairs, "target_groups") if g in VOCABULARY["target_group"]
            ],
            occupation_fields=[
                f
                for f in form_values(pairs, "occupation_fields")
                if f in VOCABULARY["occupation_field"]
            ],
            municipalities=form_line(pairs, "municipalities", 1000),
            languages=[x for x in form_values(pairs, "languages") if x in ("sv", "en")],
            first_day=form_line(pairs, "first_day", 10),
            last_day=form_line(pairs, "last_day", 10),
            from_hour=form_line(pairs, "from_hour", 2),
            to_hour=form_line(pairs, "to_hour", 2),
            weekdays_only=form_line(pairs, "weekdays_only", 3) == "yes",
        )
        errors = form.errors
        if not form.subject_sv:
            errors["subject_sv"] = "console_campaign_subject_missing"
        if not form.text_sv:
            errors["text_sv"] = "console_event_text_missing"
        if not HTTPS.fullmatch(form.link):
            errors["link"] = "console_https_invalid"
        if not form.agencies:
            errors["agencies"] = "console_hosts_missing"
        first, last = form_day(form.first_day), form_day(form.last_day)
        if first is None:
            errors["first_day"] = "console_day_invalid"
        if last is None:
            errors["last_day"] = "console_day_invalid"
        elif first is not None and last < first:
            errors["last_day"] = "console_window_order"
        hours = (form.from_hour, form.to_hour)
        if not all(h.isdigit() and 0 <= int(h) <= 24 for h in hours):
            errors["from_hour"] = "console_hours_invalid"
        elif int(form.to_hour) <= int(form.from_hour):
            errors["from_hour"] = "console_time_order"
        return form

    def body(self) -> dict[str, Any]:
        """outreach's `POST /campaigns`."""
        places = [p.strip() for p in re.split(r"[,\n;]+", self.municipalities) if p.strip()]
        return {
            "agencies": self.agencies,
            "audience": {
                "target_groups": self.target_groups,
                "occupation_fields": self.occupation_fields,
                "municipalities": places[:50],
                "languages": self.languages,
            },
            "subject": {"sv": self.subject_sv, "en": self.subject_en or None},
            "text": {"sv": self.text_sv, "en": self.text_en or None},
            "link": self.link,
            "window": {
                "first_day": self.first_day,
                "last_day": self.last_day,
                "from_hour": int(self.from_hour),
                "to_hour": int(self.to_hour),
                "weekdays_only": self.weekdays_only,
            },
        }
