"""Notify's store in memory: the fake the handlers' unit tests use. It keeps what the PostgreSQL
store keeps and answers as it does (`tests/test_notify_store.py` runs the same tests against
both). What only PostgreSQL does is left out: keywords' Swedish stems (matching reads them from
PostgreSQL, never through this store) and the locks (one test runs one handler at a time)."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from myndnet_kit.outbox import OutgoingMessage
from myndnet_kit.store import MemoryStore

from myndnet_notify.adapters.campaigns import CampaignLetter, NewsAddress
from myndnet_notify.domain.delivery import Delivery, NewDelivery, Outcome, SearchAddress, new_id
from myndnet_notify.domain.letters import LinkToken
from myndnet_notify.domain.news import Interest
from myndnet_notify.domain.subscriptions import (
    ANY,
    FILTER_FIELDS,
    DigestVacancy,
    OpenVacancy,
    Preferences,
    SavedSearch,
    Subscriber,
    Token,
)

UNSET_FILTERS = {**{f: [ANY] for f in FILTER_FIELDS}, "keywords_given": []}


def _now() -> datetime:
    return datetime.now(UTC)  # what PostgreSQL's now() stores for a row


@dataclass
class Tables:
    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    news_interests: dict[tuple[str, str], Interest] = field(default_factory=dict)
    campaigns: dict[str, CampaignLetter] = field(default_factory=dict)  # as the tests give them
    news_withdrawals: list[str] = field(default_factory=list)  # campaign ids
    searches: dict[str, SavedSearch] = field(default_factory=dict)
    filter_keys: dict[str, str] = field(default_factory=dict)  # search id → its filters' key
    keys: dict[str, list[str]] = field(default_factory=dict)  # search id → vacancies' keys
    tokens: dict[bytes, Token] = field(default_factory=dict)
    attempts: list[tuple[str, datetime]] = field(default_factory=list)
    deliveries: dict[str, Delivery] = field(default_factory=dict)  # in the order recorded
    dedupe_keys: set[str] = field(default_factory=set)  # one letter each, as recorded
    erased_people: set[str] = field(default_factory=set)  # public employees' references
    due_at: dict[str, datetime] = field(default_factory=dict)  # delivery id → next try
    suppressed_work: dict[str, str] = field(default_factory=dict)  # work address → reason
    suppressed_work_refs: dict[str, str] = field(default_factory=dict)  # → whose it is
    enqueued: list[OutgoingMessage] = field(default_factory=list)  # events already serialised
    open_vacancies: dict[str, OpenVacancy] = field(default_factory=dict)
    digest_items: dict[str, list[str]] = field(default_factory=dict)  # search id → vacancy keys
    agency_names: dict[str, str] = field(default_factory=dict)  # as membership names them


class MemoryNotify(MemoryStore[Tables]):
    def __init__(self) -> None:
        super().__init__(Tables())

    # -- addresses -------------------------------------------------------------------------

    async def subscriber_by_email(self, email: str) -> Subscriber | None:
        return next((p for p in self.state.subscribers.values() if p.email == email.lower()), None)

    async def subscriber(self, subscriber_id: str) -> Subscriber | None:
        return self.state.subscribers.get(subscriber_id)

    async def add_subscriber(self, email: str, language: str) -> str:
        assert await self.subscriber_by_email(email) is None, "a unique address"
        subscriber_id = new_id("p")
        self.state.subscribers[subscriber_id] = Subscriber(
            subscriber_id, email.lower(), language, created_at=_now()
        )
        return subscriber_id

    async def news_addresses(self, subscriber_ids: Collection[str]) -> dict[str, NewsAddress]:
        return {
            p.id: NewsAddress(
                p.id, p.email, p.language, p.news_since is not None and p.suppressed_at is None
            )
            for p in self.state.subscribers.values()
            if p.id in subscriber_ids
        }

    async def campaign_letters(self, campaign_ids: Collection[str]) -> dict[str, CampaignLetter]:
        return {c: self.state.campaigns[c] for c in campaign_ids if c in self.state.campaigns}

    async def set_news(self, subscriber_id: str, since: datetime | None) -> None:
        person = self.state.subscribers.get(subscriber_id)
        if person is not None:
            kept = None if since is None else (person.news_since or since)
            self.state.subscribers[subscriber_id] = replace(person, news_since=kept)

    async def add_news_interest(self, subscriber_id: str, source: str, interest: Interest) -> None:
        lowered = replace(
            interest, municipalities=tuple(m.lower() for m in interest.municipalities)
        )
        self.state.news_interests[(subscriber_id, source)] = lowered

    async def record_news_withdrawal(self, campaign_id: str) -> None:
        self.state.news_withdrawals.append(campaign_id)

    async def news_interests(self, subscriber_id: str) -> list[Interest]:
        return [
            interest
            for (owner, _), interest in sorted(self.state.news_interests.items())
            if owner == subscriber_id
        ]

    async def lift_suppression(self, subscriber_id: str) -> None:
        person = self.state.subscribers.get(subscriber_id)
        if person is not None:
            self.state.subscribers[subscriber_id] = replace(
                person, suppressed_at=None, suppressed_reason=None
            )

    async def delete_subscriber(self, subscriber_id: str) -> None:
        for search_id in [s.id for s in await self.searches_of(subscriber_id)]:
            await self.delete_search(search_id)
        self.state.subscribers.pop(subscriber_id, None)
        for key in [k for k in self.state.news_interests if k[0] == subscriber_id]:
            del self.state.news_interests[key]
        for digest, token in list(self.state.tokens.items()):
            if token.subscriber_id == subscriber_id:
                del self.state.tokens[digest]

    # -- saved searches --------------------------------------------------------------------

    def _with_address(self, search: SavedSearch) -> SavedSearch:
        person = self.state.subscribers[search.subscriber_id]
        return replace(search, email=person.email, suppressed_at=person.suppressed_at)

    async def search(self, search_id: str) -> SavedSearch | None:
        found = self.state.searches.get(search_id)
        return None if found is None else self._with_address(found)

    async def searches_of(self, subscriber_id: str) -> list[SavedSearch]:
        own = [s for s in self.state.searches.values() if s.subscriber_id == subscriber_id]
        return [self._with_address(s) for s in sorted(own, key=lambda s: (s.created_at, s.id))]

    async def search_with_filters(self, subscriber_id: str, filter_key: str) -> SavedSearch | None:
        same = [
            s
            for s in await self.searches_of(subscriber_id)
            if self.state.filter_keys[s.id] == filter_key
        ]
        return same[0] if same else None

    async def add_search(self, subscriber_id: str, preferences: Preferences) -> str:
        assert subscriber_id in self.state.subscribers, "a foreign key"
        search_id = new_id("s")
        self.state.searches[search_id] = SavedSearch(
            id=search_id,
            subscriber_id=subscriber_id,
            status="pending",
            language=preferences.language,
            frequency=preferences.frequency,
            filters=dict(UNSET_FILTERS),
            pending=preferences.as_json(),
            created_at=_now(),
        )
        self.state.filter_keys[search_id] = preferences.filter_key()
        return search_id

    def _change(self, search_id: str, **changes: Any) -> None:
        found = self.state.searches.get(search_id)
        if found is not None:
            self.state.searches[search_id] = replace(found, **changes)

    async def set_pending(self, search_id: str, preferences: Preferences) -> None:
        self._change(search_id, pending=preferences.as_json())

    async def save_preferences(
        self,
        search_id: str,
        preferences: Preferences,
        columns: Mapping[str, Sequence[str]],
        keys: Sequence[str],
    ) -> None:
        self._change(
            search_id,
            language=preferences.language,
            frequency=preferences.frequency,
            filters={f: list(columns[f]) for f in (*FILTER_FIELDS, "keywords_given")},
            pending=None,
        )
        self.state.filter_keys[search_id] = preferences.filter_key()
        self.state.keys[search_id] = list(keys)

    async def search_keys(self, search_id: str) -> list[str]:
        return sorted(self.state.keys.get(search_id, []))

    async def drop_keys(self, search_id: str) -> None:
        self.state.keys.pop(search_id, None)

    async def set_status(self, search_id: str, status: str) -> None:
        self._change(search_id, status=status)

    async def mark_confirmed(self, search_id: str, at: datetime) -> None:
        found = self.state.searches.get(search_id)
        if found is not None:
            self.state.searches[search_id] = replace(
                found,
                status="confirmed",
                confirmed_at=found.confirmed_at or at,
                last_digest_at=found.last_digest_at or at,
            )

    async def delete_search(self, search_id: str) -> None:
        self.state.searches.pop(search_id, None)
        self.state.filter_keys.pop(search_id, None)
        self.state.keys.pop(search_id, None)
        self.state.digest_items.pop(search_id, None)
        for digest, token in list(self.state.tokens.items()):
            if token.subscription_id == search_id:
                del self.state.tokens[digest]

    async def purge_unconfirmed(self, created_before: datetime) -> int:
        old = [
            s.id
            for s in self.state.searches.values()
            if s.status == "pending"
            and s.confirmed_at is None
            and s.created_at is not None
            and s.created_at < created_before
        ]
        for search_id in old:
            await self.delete_search(search_id)
        searching = {s.subscriber_id for s in self.state.searches.values()}
        for person in list(self.state.subscribers.values()):
            if (
                person.suppressed_at is None
                and person.created_at is not None
                and person.created_at < created_before
                and person.id not in searching
            ):
                del self.state.subscribers[person.id]
        return len(old)

    # -- links' tokens ---------------------------------------------------------------------

    async def token(self, digest: bytes, purpose: str) -> Token | None:
        found = self.state.tokens.get(digest)
        return found if found is not None and found.purpose == purpose else None

    async def use_token(self, digest: bytes, at: datetime, *, first_use_only: bool = False) -> None:
        found = self.state.tokens.get(digest)
        if found is not None and not (first_use_only and found.used_at is not None):
            self.state.tokens[digest] = replace(found, used_at=at)

    async def add_link_tokens(self, tokens: Sequence[LinkToken]) -> None:
        for t in tokens:
            assert t.token_hash not in self.state.tokens, "a unique token"
            manage = t.purpose in ("manage", "news")
            self.state.tokens[t.token_hash] = Token(
                token_hash=t.token_hash,
                purpose=t.purpose,
                expires_at=_now() + t.lifetime,
                subscription_id=None if manage else t.owner,
                subscriber_id=t.owner if manage else None,
                preferences=t.preferences,
            )

    async def add_manage_token(
        self, digest: bytes, subscriber_id: str, expires_at: datetime
    ) -> None:
        assert digest not in self.state.tokens, "a unique token"
        self.state.tokens[digest] = Token(digest, "manage", expires_at, subscriber_id=subscriber_id)

    async def language_of_token(self, digest: bytes, purpose: str) -> str | None:
        found = await self.token(digest, purpose)
        search = None if found is None else self.state.searches.get(found.subscription_id or "")
        return None if search is None else search.language

    # -- sign-ups --------------------------------------------------------------------------

    async def lock_for_signup(self, *keys: str) -> None:
        pass  # one handler at a time here

    async def count_attempts(self, key: str, since: datetime) -> int:
        return sum(1 for k, at in self.state.attempts if k == key and at > since)

    async def record_attempt(self, *keys: str) -> None:
        self.state.attempts += [(key, _now()) for key in keys]

    async def forget_signups(self, key: str) -> None:
        self.state.attempts = [(k, at) for k, at in self.state.attempts if k != key]

    # -- mail ------------------------------------------------------------------------------

    async def queue(self, delivery: NewDelivery) -> bool:
        if delivery.dedupe_key in self.state.dedupe_keys:
            return False
        self.state.dedupe_keys.add(delivery.dedupe_key)
        delivery_id = new_id("d")
        self.state.deliveries[delivery_id] = Delivery(
            id=delivery_id,
            kind=delivery.kind,
            attempts=0,
            recipient_ref=delivery.recipient_ref,
            subscription_id=delivery.subscription_id,
            work_email=delivery.work_email,
            match_id=delivery.match_id,
            vacancy_keys=tuple(delivery.vacancy_keys),
            context=dict(delivery.context),
            created_at=_now(),
        )
        self.state.due_at[delivery_id] = _now()
        return True

    async def record_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        for o in outcomes:
            found = self.state.deliveries.get(o.delivery_id)
            if found is not None:
                self.state.deliveries[o.delivery_id] = replace(
                    found,
                    status=o.status,
                    attempts=o.attempts,
                    last_error=o.error,
                    sent_at=_now() if o.status == "sent" else found.sent_at,
                )
                self.state.due_at[o.delivery_id] = _now() + o.pause

    async def deliveries_for(self, search_id: str) -> list[Delivery]:
        return [d for d in self.state.deliveries.values() if d.subscription_id == search_id]

    async def confirmation_pending(
        self, search_id: str, preferences: dict[str, Any], since: datetime
    ) -> bool:
        return any(
            d.kind == "confirmation"
            and d.context.get("preferences") == preferences
            and (d.status == "queued" or (d.status == "sent" and (d.sent_at or since) > since))
            for d in await self.deliveries_for(search_id)
        )

    async def cancel_queued_for(self, search_id: str, why: str) -> None:
        for d in await self.deliveries_for(search_id):
            if d.status == "queued":
                self.state.deliveries[d.id] = replace(d, status="cancelled", last_error=why)

    async def forget_context_of(self, search_id: str) -> None:
        for d in await self.deliveries_for(search_id):
            self.state.deliveries[d.id] = replace(d, context={})

    async def forget_person(self, reference: str) -> None:
        self.state.erased_people.add(reference)
        for d in list(self.state.deliveries.values()):
            if reference not in (d.recipient_ref, d.context.get("other_ref")):
                continue
            status, error = d.status, d.last_error
            if status == "queued":
                status, error = "cancelled", "the person was erased"
            self.state.deliveries[d.id] = replace(
                d, status=status, last_error=error, work_email=None, context={}
            )
        for email, ref in list(self.state.suppressed_work_refs.items()):
            if ref == reference:
                del self.state.suppressed_work_refs[email]
                self.state.suppressed_work.pop(email, None)

    async def erased_among(self, references: Sequence[str]) -> bool:
        return any(r in self.state.erased_people for r in references)

    # -- sending ---------------------------------------------------------------------------

    async def claim_due(self, limit: int) -> list[Delivery]:
        now = _now()
        due = [
            d
            for d in self.state.deliveries.values()
            if d.status == "queued" and self.state.due_at[d.id] <= now
        ]
        return sorted(due, key=lambda d: (self.state.due_at[d.id], d.id))[:limit]

    async def searches_for(self, search_ids: Collection[str]) -> dict[str, SearchAddress]:
        found = [self._with_address(s) for i in search_ids if (s := self.state.searches.get(i))]
        return {
            s.id: SearchAddress(
                s.id, s.subscriber_id, s.status, s.language, s.email, s.suppressed_at
            )
            for s in found
        }

    async def suppressed_work_among(self, emails: Collection[str]) -> set[str]:
        return {e.lower() for e in emails if e.lower() in self.state.suppressed_work}

    async def lock_delivery(self, delivery_id: str) -> Delivery | None:
        return self.state.deliveries.get(delivery_id)

    async def mark_failed(self, delivery_id: str, attempts: int, error: str) -> None:
        found = self.state.deliveries[delivery_id]
        self.state.deliveries[delivery_id] = replace(
            found, status="failed", attempts=attempts, last_error=error
        )

    async def suppress(self, search_id: str, reason: str, at: datetime) -> str | None:
        search = self.state.searches.get(search_id)
        if search is None:
            return None
        person = self.state.subscribers[search.subscriber_id]
        self.state.subscribers[person.id] = replace(
            person, suppressed_at=person.suppressed_at or at, suppressed_reason=reason
        )
        return person.id

    async def suppress_work_address(
        self, email: str, reference: str, reason: str, at: datetime
    ) -> None:
        self.state.suppressed_work.setdefault(email.lower(), reason)
        self.state.suppressed_work_refs.setdefault(email.lower(), reference)
        for d in list(self.state.deliveries.values()):
            if d.status == "queued" and (d.work_email or "").lower() == email.lower():
                self.state.deliveries[d.id] = replace(
                    d,
                    status="cancelled",
                    last_error="the address is suppressed after a hard bounce",
                )

    async def cancel_queued_for_subscriber(self, subscriber_id: str, why: str) -> None:
        for search in await self.searches_of(subscriber_id):
            await self.cancel_queued_for(search.id, why)

    async def enqueue(self, messages: Sequence[OutgoingMessage]) -> None:
        self.state.enqueued.extend(messages)

    # -- digests ---------------------------------------------------------------------------

    async def remember_open_vacancies(self, vacancies: Sequence[OpenVacancy]) -> None:
        for vacancy in vacancies:
            known = self.state.open_vacancies.get(vacancy.key)
            self.state.open_vacancies[vacancy.key] = (
                vacancy if known is None else replace(vacancy, opened_at=known.opened_at)
            )

    async def add_digest_items(self, items: Sequence[tuple[str, str]]) -> None:
        for search_id, key in items:
            assert search_id in self.state.searches, "a foreign key"
            waiting = self.state.digest_items.setdefault(search_id, [])
            if key not in waiting:
                waiting.append(key)

    async def due_for_digest(
        self, daily_slot: datetime, weekly_slot: datetime
    ) -> list[SavedSearch]:
        def due(s: SavedSearch) -> bool:
            slot = {"daily": daily_slot, "weekly": weekly_slot}.get(s.frequency)
            return (
                s.status == "confirmed"
                and slot is not None
                and (s.last_digest_at is None or s.last_digest_at < slot)
            )

        return [
            self._with_address(s)
            for s in sorted(self.state.searches.values(), key=lambda s: s.id)
            if due(s)
        ]

    async def digest_vacancies(self, search_id: str) -> list[DigestVacancy]:
        waiting = [
            self.state.open_vacancies[key]
            for key in self.state.digest_items.get(search_id, [])
            if key in self.state.open_vacancies
        ]
        return [
            DigestVacancy(
                v.key,
                v.title,
                v.agency,
                self.state.agency_names.get(v.agency, v.agency),
                v.municipality,
                v.application_deadline,
                v.apply_url,
            )
            for v in sorted(waiting, key=lambda v: (v.opened_at, v.key))
        ]

    async def drop_digest_items(self, search_id: str, keys: Sequence[str] | None = None) -> None:
        if keys is None:
            self.state.digest_items.pop(search_id, None)
        else:
            waiting = self.state.digest_items.get(search_id, [])
            self.state.digest_items[search_id] = [k for k in waiting if k not in keys]

    async def set_last_digest(self, search_id: str, at: datetime) -> None:
        self._change(search_id, last_digest_at=at)
