"""Candidates' preferences and when their digests are due. Plain Python."""

import hashlib
import itertools
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from myndnet_schemas.clock import STOCKHOLM

ANY = "*"  # a filter field that lists nothing matches everything
DIGEST_HOUR = time(7, 0)
CONFIRM_TOKEN_LIFETIME = timedelta(days=7)
UNSUBSCRIBE_TOKEN_LIFETIME = timedelta(days=365)
MANAGE_TOKEN_LIFETIME = timedelta(days=90)
FREQUENCIES = ("immediate", "daily", "weekly")
FILTER_FIELDS = (
    "agencies",
    "occupation_fields",
    "municipalities",
    "employment_types",
    "target_groups",
)


@dataclass(frozen=True)
class Preferences:
    language: str
    frequency: str
    agencies: tuple[str, ...] = ()
    occupation_fields: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    employment_types: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def columns(self) -> dict[str, list[str]]:
        """Filter columns as stored: sorted, lower-cased places, '*' for any."""

        def stored(values: tuple[str, ...], lower: bool = False) -> list[str]:
            cleaned = sorted(
                {v.strip().lower() if lower else v.strip() for v in values if v.strip()}
            )
            return cleaned or [ANY]

        return {
            "agencies": stored(self.agencies),
            "occupation_fields": stored(self.occupation_fields),
            "municipalities": stored(self.municipalities, lower=True),
            "employment_types": stored(self.employment_types),
            "target_groups": stored(self.target_groups),
            "keywords_given": sorted({k.strip() for k in self.keywords if k.strip()}),
        }

    def filter_key(self) -> str:
        """What makes two saved searches of one address the same search: their filters as
        stored (0004_saved_searches.sql computes the same for searches saved before it)."""
        columns = self.columns()
        return "|".join(",".join(columns[f]) for f in (*FILTER_FIELDS, "keywords_given"))

    def as_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> "Preferences":
        lists = {k: tuple(v) for k, v in document.items() if isinstance(v, list)}
        return cls(language=document["language"], frequency=document["frequency"], **lists)


def shown_filters(columns: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """A saved search's stored filter columns as a person sees them: empty for any."""
    shown = {f: [v for v in columns[f] if v != ANY] for f in FILTER_FIELDS}
    return {**shown, "keywords": list(columns["keywords_given"])}


def stored_preferences(columns: Mapping[str, Any]) -> Preferences:
    """The preferences a saved search's stored columns hold."""
    filters = shown_filters(columns)
    return Preferences(
        language=columns["language"],
        frequency=columns["frequency"],
        **{field: tuple(values) for field, values in filters.items()},
    )


@dataclass(frozen=True)
class Subscriber:
    """An address that saved searches: a candidate's."""

    id: str
    email: str  # lower-cased
    language: str
    suppressed_at: datetime | None = None  # after a hard bounce, until it confirms again
    suppressed_reason: str | None = None
    created_at: datetime | None = None
    news_since: datetime | None = None  # when it said yes to news from the network


@dataclass(frozen=True)
class SavedSearch:
    """A saved search (a subscription), with its address."""

    id: str
    subscriber_id: str
    status: str  # pending, confirmed, paused, unsubscribed
    language: str
    frequency: str
    filters: Mapping[str, Sequence[str]]  # as stored: FILTER_FIELDS and keywords_given
    pending: dict[str, Any] | None = None  # preferences waiting for their confirmation
    email: str = ""
    suppressed_at: datetime | None = None
    created_at: datetime | None = None
    confirmed_at: datetime | None = None
    last_digest_at: datetime | None = None

    def preferences(self) -> Preferences:
        """The preferences its stored columns hold."""
        filters = shown_filters(self.filters)
        return Preferences(
            language=self.language,
            frequency=self.frequency,
            **{field: tuple(values) for field, values in filters.items()},
        )

    def shown(self) -> tuple[dict[str, list[str]], str]:
        """Its filters and frequency as the person sees them: those waiting for their
        confirmation, if any."""
        if self.status == "pending" and self.pending:
            waiting = Preferences.from_json(self.pending)
            return shown_filters(waiting.columns()), waiting.frequency
        return shown_filters(self.filters), self.frequency


@dataclass(frozen=True)
class Token:
    """A link's token, stored as its hash: `confirm` and `unsubscribe` of a saved search,
    `manage` of an address."""

    token_hash: bytes
    purpose: str
    expires_at: datetime
    subscription_id: str | None = None
    subscriber_id: str | None = None
    used_at: datetime | None = None
    preferences: dict[str, Any] | None = None  # what a confirmation link confirms

    def valid(self, now: datetime, *, once: bool = False) -> bool:
        return self.expires_at >= now and not (once and self.used_at is not None)


@dataclass(frozen=True)
class OpenVacancy:
    """An open vacancy as the digests list it."""

    key: str  # <code>/<vacancy_id>
    agency: str
    title: str
    municipality: str
    application_deadline: date
    apply_url: str
    opened_at: datetime


@dataclass(frozen=True)
class DigestVacancy:
    key: str
    title: str
    agency: str
    agency_name: str
    municipality: str
    application_deadline: date
    apply_url: str

    def for_letter(self) -> dict[str, str]:
        return {
            "key": self.key,
            "title": self.title,
            "agency": self.agency,
            "municipality": self.municipality,
            "application_deadline": self.application_deadline.isoformat(),
            "apply_url": self.apply_url,
            "agency_name": self.agency_name,
        }


@dataclass(frozen=True)
class Suppression:
    """An address nothing is sent to after a permanent failure."""

    email: str
    reason: str
    since: datetime
    kind: str  # candidate, work


MAX_KEYS = 2000
_KEY_FIELDS = FILTER_FIELDS
ALL_TARGET_GROUPS = ("students", "graduates", "experienced", "managers")


class TooManyCombinations(ValueError):
    pass


def subscription_keys(preferences: Preferences) -> list[str]:
    """The keys under which a subscription is found: one per combination of its values."""
    columns = preferences.columns()
    lists = [columns[f] for f in _KEY_FIELDS]
    count = 1
    for values in lists:
        count *= len(values)
    if count > MAX_KEYS:
        raise TooManyCombinations(
            f"the filters combine into {count} alternatives (at most {MAX_KEYS}); choose fewer "
            "agencies, fields, municipalities or employment types"
        )
    return ["|".join(combination) for combination in itertools.product(*lists)]


def vacancy_keys(
    agency: str,
    occupation_field: str,
    municipality: str,
    employment_type: str,
    target_groups: list[str],
) -> list[str]:
    """The keys a vacancy looks up: its own value or '*' in every field (at most 80)."""
    groups = target_groups or list(ALL_TARGET_GROUPS)  # a vacancy for everyone suits any filter
    options = [
        (agency, ANY),
        (occupation_field, ANY),
        (municipality.strip().lower(), ANY),
        (employment_type, ANY),
        (*groups, ANY),
    ]
    return ["|".join(combination) for combination in itertools.product(*options)]


def new_token() -> tuple[str, bytes]:
    """A random token for a link, and the hash that is stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def base_address(email: str) -> str:
    """The mailbox an address reaches: lower-cased, without a `+tag` (anna+jobb@ and
    anna+x@ are one person's, and share one sign-up limit)."""
    local, _, domain = email.lower().rpartition("@")
    return f"{local.split('+', 1)[0] or local}@{domain}"


def address_key(email: str) -> str:
    """For rate limits: the base address, hashed, so it is not stored a second time."""
    return "address:" + hashlib.sha256(base_address(email).encode()).hexdigest()


def person_ref(agency: str, person_id: str) -> str:
    return "person-" + hashlib.sha256(f"{agency}/{person_id}".encode()).hexdigest()[:20]


def latest_digest_slot(frequency: str, now: datetime) -> datetime:
    """The most recent digest time at or before `now`: 07:00 Stockholm (Mondays, for weekly)."""
    local = now.astimezone(STOCKHOLM)
    slot = datetime.combine(local.date(), DIGEST_HOUR, STOCKHOLM)
    if slot > local:
        slot -= timedelta(days=1)
    if frequency == "weekly":
        slot -= timedelta(days=slot.weekday())
    return slot


def digest_due(frequency: str, last_digest_at: datetime | None, now: datetime) -> bool:
    if frequency not in ("daily", "weekly"):
        return False
    return last_digest_at is None or last_digest_at < latest_digest_slot(frequency, now)
