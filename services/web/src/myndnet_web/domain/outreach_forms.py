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


def _values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]


def _one(pairs: list[tuple[str, str]], name: str, longest: int = 200) -> str:
    found = _values(pairs, name)
    return one_line(found[-1], longest) if found else ""


def _text(pairs: list[tuple[str, str]], name: str, longest: int) -> str:
    found = _values(pairs, name)
    return found[-1].replace("\r\n", "\n").strip()[:longest] if found else ""


def _day(value: str) -> date | None:
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
            title_sv=_one(pairs, "title_sv"),
            title_en=_one(pairs, "title_en"),
            text_sv=_text(pairs, "text_sv", 8000),
            text_en=_text(pairs, "text_en", 8000),
            kind=_one(pairs, "kind", 20),
            day=_one(pairs, "day", 10),
            from_time=_one(pairs, "from_time", 5),
            to_time=_one(pairs, "to_time", 5),
            place=_one(pairs, "place"),
            online_url=_one(pairs, "online_url", 500),
            hosts=[h for h in _values(pairs, "hosts") if h in may_host][:30],
            target_groups=[
                g for g in _values(pairs, "target_groups") if g in VOCABULARY["target_group"]
            ],
            seats=_one(pairs, "seats", 6),
            deadline=_one(pairs, "deadline", 10),
        )
        errors = form.errors
        if not form.title_sv:
            errors["title_sv"] = "console_event_title_missing"
        if not form.text_sv:
            errors["text_sv"] = "console_event_text_missing"
        if form.kind not in KINDS:
            form.kind = "career_fair"
        day, deadline = _day(form.day), _day(form.deadline)
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
            subject_sv=_one(pairs, "subject_sv"),
            subject_en=_one(pairs, "subject_en"),
            text_sv=_text(pairs, "text_sv", 5000),
            text_en=_text(pairs, "text_en", 5000),
            link=_one(pairs, "link", 500),
            agencies=[a for a in _values(pairs, "agencies") if a in may_ask][:30],
            target_groups=[
                g for g in _values(pairs, "target_groups") if g in VOCABULARY["target_group"]
            ],
            occupation_fields=[
                f
                for f in _values(pairs, "occupation_fields")
                if f in VOCABULARY["occupation_field"]
            ],
            municipalities=_one(pairs, "municipalities", 1000),
            languages=[x for x in _values(pairs, "languages") if x in ("sv", "en")],
            first_day=_one(pairs, "first_day", 10),
            last_day=_one(pairs, "last_day", 10),
            from_hour=_one(pairs, "from_hour", 2),
            to_hour=_one(pairs, "to_hour", 2),
            weekdays_only=_one(pairs, "weekdays_only", 3) == "yes",
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
        first, last = _day(form.first_day), _day(form.last_day)
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
