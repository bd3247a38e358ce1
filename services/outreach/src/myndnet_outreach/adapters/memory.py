"""The fake of outreach's store, for the handlers' unit tests."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from myndnet_kit.store import MemoryStore

from myndnet_outreach.domain.campaigns import Campaign, CampaignState
from myndnet_outreach.domain.open_events import Conflict, OpenEvent
from myndnet_outreach.domain.registrations import Letter, Registration


@dataclass
class State:
    open_events: dict[str, OpenEvent] = field(default_factory=dict)
    registrations: dict[str, Registration] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    # what notify is asked, in order: (path, body)
    notify_requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class MemoryOutreach(MemoryStore[State]):
    def __init__(self) -> None:
        super().__init__(State())

    async def open_event(self, event_id: str, *, for_update: bool = False) -> OpenEvent | None:
        return self.state.open_events.get(event_id)

    async def open_events(self, ending_after: datetime) -> list[OpenEvent]:
        found = [e for e in self.state.open_events.values() if e.ends_at > ending_after]
        return sorted(found, key=lambda e: (e.starts_at, e.event_id))

    async def add_open_event(self, event: OpenEvent) -> None:
        if event.event_id in self.state.open_events:
            raise Conflict(f"open event {event.event_id!r} exists")
        self.state.open_events[event.event_id] = event

    async def save_open_event(self, event: OpenEvent) -> None:
        self.state.open_events[event.event_id] = event

    async def registration(self, registration_id: str) -> Registration | None:
        return self.state.registrations.get(registration_id)

    async def registrations_for(self, event_id: str) -> list[Registration]:
        found = [r for r in self.state.registrations.values() if r.event_id == event_id]
        return sorted(found, key=lambda r: (r.requested_at, r.registration_id))

    async def registrations_by_email(self, email: str) -> list[Registration]:
        found = [
            r
            for r in self.state.registrations.values()
            if r.email is not None and r.email.lower() == email.lower()
        ]
        return sorted(found, key=lambda r: (r.requested_at, r.registration_id))

    async def registration_counts(self, event_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        counts: dict[str, tuple[int, int]] = {}
        for r in self.state.registrations.values():
            if r.event_id in event_ids and r.status.value in ("confirmed", "waiting"):
                taken, waiting = counts.get(r.event_id, (0, 0))
                seated = r.status.value == "confirmed"
                counts[r.event_id] = (taken + seated, waiting + (not seated))
        return counts

    async def add_registration(self, registration: Registration) -> None:
        if registration.registration_id in self.state.registrations:
            raise Conflict(f"registration {registration.registration_id!r} exists")
        self.state.registrations[registration.registration_id] = registration

    async def save_registrations(self, registrations: Sequence[Registration]) -> None:
        for r in registrations:
            self.state.registrations[r.registration_id] = r

    async def ended_with_registrations(self, ended_before: datetime) -> list[OpenEvent]:
        events = {r.event_id for r in self.state.registrations.values() if r.email is not None}
        found = [
            e
            for e in self.state.open_events.values()
            if e.event_id in events and e.ends_at < ended_before
        ]
        return sorted(found, key=lambda e: (e.starts_at, e.event_id))

    async def forget_registrations(self, registration_ids: Sequence[str]) -> None:
        for registration_id in registration_ids:
            found = self.state.registrations.get(registration_id)
            if found is not None:
                self.state.registrations[registration_id] = replace(found, name=None, email=None)

    async def figures(self, first: datetime, after: datetime) -> dict[str, Any]:
        per: dict[str, dict[str, int]] = {}
        network = {"open_events": 0, "event_seats_taken": 0, "campaigns": 0}

        def add(codes: Sequence[str], name: str, n: int) -> None:
            for code in codes:
                per.setdefault(code, {"open_events": 0, "event_seats_taken": 0, "campaigns": 0})
                per[code][name] += n
            network[name] += n

        for e in self.state.open_events.values():
            if e.status.value == "cancelled" or not first <= e.starts_at < after:
                continue
            taken = sum(
                r.event_id == e.event_id and r.status.value == "confirmed"
                for r in self.state.registrations.values()
            )
            add(e.hosts, "open_events", 1)
            add(e.hosts, "event_seats_taken", taken)
        for c in self.state.campaigns.values():
            begins = c.window["first_day"]
            if (
                c.state.value in ("scheduled", "completed")
                and first.date() <= begins < after.date()
            ):
                add(c.agencies, "campaigns", 1)
        return {
            "agencies": [{"agency": code, **values} for code, values in sorted(per.items())],
            "network": network,
        }

    async def queue_letters(self, letters: Sequence[Letter]) -> None:
        self.state.notify_requests += [("/letters", asdict(letter)) for letter in letters]

    async def queue_forget(self, recipient_refs: Sequence[str]) -> None:
        if recipient_refs:
            body = {"recipient_refs": list(recipient_refs)}
            self.state.notify_requests.append(("/letters/forget", body))

    async def queue_news_consent(self, consent: dict[str, Any]) -> None:
        self.state.notify_requests.append(("/news-consents", dict(consent)))

    async def campaign(self, campaign_id: str, *, for_update: bool = False) -> Campaign | None:
        return self.state.campaigns.get(campaign_id)

    async def add_campaign(self, campaign: Campaign) -> None:
        if campaign.campaign_id in self.state.campaigns:
            raise Conflict(f"campaign {campaign.campaign_id!r} exists")
        self.state.campaigns[campaign.campaign_id] = campaign

    async def save_campaign(self, campaign: Campaign) -> None:
        visits = self.state.campaigns[campaign.campaign_id].link_visits
        self.state.campaigns[campaign.campaign_id] = replace(campaign, link_visits=visits)

    async def scheduled_campaigns(self) -> list[Campaign]:
        found = [c for c in self.state.campaigns.values() if c.state is CampaignState.SCHEDULED]
        return sorted(found, key=lambda c: c.campaign_id)

    async def campaigns(self, limit: int) -> list[Campaign]:
        ordered = list(self.state.campaigns.values())[::-1]  # the newest added last
        return ordered[:limit]

    async def count_visit(self, campaign_id: str) -> None:
        campaign = self.state.campaigns[campaign_id]
        self.state.campaigns[campaign_id] = replace(campaign, link_visits=campaign.link_visits + 1)
