"""What vacancies', mentoring's, trainings' and membership's events mean for e-mail: alerts and
digest entries when a vacancy opens, nothing more once it closes, a message to both people of a
match, one to a person at each step of their training registration, and a member of staff's
sign-in link."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from myndnet_kit.classify import Incoming
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events import (
    MatchParty,
    PersonErased,
    RegistrationErased,
    SignInRequested,
    VacancyChanged,
    VacancyClosed,
    VacancyOpened,
)
from myndnet_schemas.events.mentoring import MatchFields
from myndnet_schemas.events.trainings import RegistrationFields
from myndnet_schemas.vocabulary import Visibility

from myndnet_notify.adapters import deliveries, open_vacancies, staff_alerts
from myndnet_notify.adapters.store import NotifyStore
from myndnet_notify.domain.delivery import NewDelivery, VacancyAlert
from myndnet_notify.domain.letters import TRAINING_LETTERS, match_letter
from myndnet_notify.domain.subscriptions import OpenVacancy, person_ref, vacancy_keys
from myndnet_notify.handlers.matching import SavedSearches

# An agency's name for a letter, from the service's copy of the membership topic.
NameOf = Callable[[str], str]


async def on_vacancy_events(
    conn: asyncpg.Connection, events: list[Incoming], searches: SavedSearches, name_of: NameOf
) -> None:
    """A batch's openings and changes are saved together, a statement a table rather than one
    a vacancy; a closing is applied in its place, after everything before it is saved. A
    vacancy for the network's staff only is never a candidate's: it is forgotten as a closed
    one is (a public one changed into one leaves the digests)."""
    if any(isinstance(incoming.event.data, VacancyOpened) for incoming in events):
        await searches.bring_up_to_date(conn)
    news: list[Incoming] = []
    for incoming in events:
        data = incoming.event.data
        if (
            isinstance(data, VacancyOpened | VacancyChanged)
            and data.visibility is Visibility.NETWORK
        ):
            await _save(conn, news, searches, name_of)
            news = []
            await open_vacancies.forget_vacancy(conn, f"{data.agency}/{data.vacancy_id}")
            if isinstance(data, VacancyOpened):
                await _alert_staff(conn, incoming, name_of)
        elif isinstance(data, VacancyOpened | VacancyChanged):
            news.append(incoming)
        elif isinstance(data, VacancyClosed):
            await _save(conn, news, searches, name_of)
            news = []
            await open_vacancies.forget_vacancy(conn, f"{data.agency}/{data.vacancy_id}")
    await _save(conn, news, searches, name_of)


async def _save(
    conn: asyncpg.Connection, news: list[Incoming], searches: SavedSearches, name_of: NameOf
) -> None:
    """Openings and changes: each vacancy remembered for the digests; each opened one's alerts
    queued and its digest entries added."""
    if not news:
        return
    await open_vacancies.remember_open_vacancies(
        conn, [_open_vacancy(incoming) for incoming in news]
    )
    opened = [
        (incoming.event.data, incoming.event.traceparent)
        for incoming in news
        if isinstance(incoming.event.data, VacancyOpened)
    ]
    found = await searches.matching_each(
        conn, [(_keys(vacancy), f"{vacancy.title} {vacancy.description}") for vacancy, _ in opened]
    )
    alerts, digest_items = [], []
    for (vacancy, traceparent), matches in zip(opened, found, strict=True):
        key = f"{vacancy.agency}/{vacancy.vacancy_id}"
        alerts.append(
            VacancyAlert(key, _alert_context(vacancy, key, traceparent, name_of), matches.immediate)
        )
        digest_items += [(search, key) for search in matches.later]
    await deliveries.queue_alerts(conn, alerts)
    await open_vacancies.add_digest_items(conn, digest_items)


async def _alert_staff(conn: asyncpg.Connection, incoming: Incoming, name_of: NameOf) -> None:
    """A vacancy for staff only: the internal alerts it answers, at their work addresses, once
    each (their address came from a signed-in session, not from a form anyone can fill)."""
    vacancy = incoming.event.data
    assert isinstance(vacancy, VacancyOpened)
    key = f"{vacancy.agency}/{vacancy.vacancy_id}"
    context = _alert_context(vacancy, key, incoming.event.traceparent, name_of)
    for alert in await staff_alerts.answering(
        conn, vacancy.occupation_field.value, vacancy.municipality
    ):
        await deliveries.queue(
            conn,
            NewDelivery(
                dedupe_key=f"staff-alert:{alert['id']}:{key}",
                kind="staff_vacancy_alert",
                recipient_ref=f"staff-alert/{alert['id']}",
                context={**context, "language": alert["language"]},
                work_email=alert["email"],
                vacancy_keys=[key],
            ),
        )


def _open_vacancy(incoming: Incoming) -> OpenVacancy:
    data = incoming.event.data
    assert isinstance(data, VacancyOpened | VacancyChanged)
    return OpenVacancy(
        f"{data.agency}/{data.vacancy_id}",
        data.agency,
        data.title,
        data.municipality,
        data.application_deadline,
        data.apply_url,
        incoming.event.time or datetime.now(UTC),
    )


def _keys(vacancy: VacancyOpened) -> list[str]:
    return vacancy_keys(
        vacancy.agency,
        vacancy.occupation_field.value,
        vacancy.municipality,
        vacancy.employment_type.value,
        [g.value for g in vacancy.target_groups],
    )


def _alert_context(
    vacancy: VacancyOpened, key: str, traceparent: str | None, name_of: NameOf
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "vacancies": [
            {
                "key": key,
                "title": vacancy.title,
                "agency_name": name_of(vacancy.agency),
                "municipality": vacancy.municipality,
                "application_deadline": vacancy.application_deadline.isoformat(),
                "apply_url": vacancy.apply_url,
            }
        ]
    }
    if traceparent:  # the alert, and what notify says of it, continue the vacancy's trace
        context["traceparent"] = traceparent
    return context


def _person(party: MatchParty) -> dict[str, str | None]:
    return {"name": party.name, "email": party.email, "title": party.title}


async def on_match_events(store: NotifyStore, events: list[Incoming], name_of: NameOf) -> None:
    """Mail to the people of a match at every step, in each one's language; a person's data
    erased in mentoring is erased here too."""
    for incoming in events:
        data = incoming.event.data
        if isinstance(data, PersonErased):
            await store.forget_person(person_ref(data.agency, data.person_id))
            continue
        letter = match_letter(data)
        if letter is None or not isinstance(data, MatchFields):
            continue
        parties = {"manager": (data.manager, data.mentor), "mentor": (data.mentor, data.manager)}
        for role in letter.roles:
            recipient, other = parties[role]
            reference = person_ref(recipient.agency, recipient.person_id)
            other_ref = person_ref(other.agency, other.person_id)
            if await store.erased_among([reference, other_ref]):
                continue  # nothing more is written about someone whose data was erased
            context: dict[str, Any] = {
                "role": role,
                "language": recipient.language or "sv",
                "match_id": data.match_id,
                "recipient": _person(recipient),
                "other": _person(other),
                "other_ref": other_ref,
                "other_agency": name_of(other.agency),
                "reasons": list(getattr(data, "reasons", [])),
                "respond_by": _day(getattr(data, "respond_by", None)),
                "ends_on": _day(getattr(data, "ends_on", None)),
                "reason": getattr(getattr(data, "reason", None), "value", None),
                "month": getattr(data, "month", None),
                "answer_by": _day(getattr(data, "answer_by", None)),
            }
            await store.queue(
                NewDelivery(
                    dedupe_key=f"match:{reference}:{data.match_id}:{letter.step}",
                    kind=letter.kind,
                    recipient_ref=reference,
                    work_email=recipient.email,
                    match_id=data.match_id,
                    context=context,
                ),
            )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


async def on_training_events(store: NotifyStore, events: list[Incoming], name_of: NameOf) -> None:
    """A mail to the person at each step of their registration, in their language. A session
    cancelled reaches everyone on it through their registration.cancelled. A registration
    erased in trainings is erased here too: its mail still queued is not sent."""
    for incoming in events:
        data = incoming.event.data
        if isinstance(data, RegistrationErased):
            await store.forget_person(f"training/{data.registration_id}")
            continue
        kind = TRAINING_LETTERS.get(type(data))
        if kind is None or not isinstance(data, RegistrationFields):
            continue
        session = data.session
        context: dict[str, Any] = {
            "registration_id": data.registration_id,
            "language": data.person.language,
            "recipient": {"name": data.person.name},
            "agency_name": name_of(data.person.agency),
            "session": session.model_dump(mode="json"),
            "host_name": name_of(session.host_agency),
            "starts": _local(session.starts_at),
            "ends": _local(session.ends_at),
            "session_day": session.starts_at.astimezone(STOCKHOLM).date().isoformat(),
            "confirm_by": _day(getattr(data, "confirm_by", None)),
            "place": getattr(data, "place", None),
            "because": getattr(getattr(data, "because", None), "value", None),
        }
        await store.queue(
            NewDelivery(
                # A request sent again (the person asked twice) is a new mail; the same event
                # delivered twice is not.
                dedupe_key=f"training:{data.registration_id}:{kind}:{data.at.isoformat()}",
                kind=kind,
                recipient_ref=f"training/{data.registration_id}",
                work_email=data.person.email,
                context=context,
            ),
        )


def _local(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


async def on_sign_in_events(store: NotifyStore, events: list[Incoming]) -> None:
    """A sign-in link to the member of staff who asked for one, in the language of the page
    they asked on. The link expires where membership says; it is made when the mail is sent."""
    for incoming in events:
        data = incoming.event.data
        if not isinstance(data, SignInRequested):
            continue
        expires = data.expires_at.astimezone(STOCKHOLM)
        await store.queue(
            NewDelivery(
                dedupe_key=f"sign-in:{data.link_id}",
                kind="sign_in",
                recipient_ref=f"sign-in/{data.link_id}",
                work_email=data.email,
                context={
                    "link_id": data.link_id,
                    "language": data.language,
                    "expires": expires.strftime("%H:%M"),
                    "expires_on": expires.date().isoformat(),
                },
            ),
        )
