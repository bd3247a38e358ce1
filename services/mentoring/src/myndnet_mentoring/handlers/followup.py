"""What happens as the programme's time passes (`run_schedule`, for any date), and when people
answer through their own links: a proposal's answer, a check-in. Erasure of a person's data,
and the coordinator's figures."""

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from myndnet_kit.links import InvalidLink, link_digest, read_link
from myndnet_kit.logging import get_logger
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events import (
    CheckinDue,
    CheckinRecorded,
    EventData,
    MatchReminded,
    PersonErased,
)
from myndnet_schemas.events.mentoring import EndReason, Role

from myndnet_mentoring.adapters.store import MentoringStore
from myndnet_mentoring.domain import followup
from myndnet_mentoring.domain.match import Actor, MatchError, MatchStatus, Pairing, add_months
from myndnet_mentoring.domain.people import Person
from myndnet_mentoring.handlers.programme import (
    Programme,
    accept_match,
    announce,
    decline_match,
    end_match,
    end_programmes,
    expire_proposals,
)

log = get_logger(__name__)


def _moment(day: date) -> datetime:
    """The time a job run for `day` records: 07:00 in Stockholm that day."""
    return datetime.combine(day, time(7, 0), STOCKHOLM)


async def run_schedule(store: MentoringStore, programme: Programme, today: date) -> dict[str, int]:
    """Everything due on `today`: reminders, expiries, check-ins, endings, erasure. Running it
    twice for a day does nothing more the second time."""
    at = _moment(today)
    done = {"reminded": 0, "checkins": 0}
    async with store.transaction():
        last_day = today + timedelta(followup.REMINDER_DAYS_BEFORE)
        events: list[EventData] = []
        for pairing in await store.proposals_to_remind(today, last_day):
            match = pairing.match
            events.append(
                MatchReminded(
                    match_id=match.match_id,
                    **pairing.people(),
                    at=at,
                    respond_by=match.respond_by,
                    waiting_for=[Role(role) for role in match.waiting_for],
                )
            )
            await store.save_match(replace(match, reminded_on=today))
        done["reminded"] = len(events)
        for pairing in await store.accepted_pairings():
            match = pairing.match
            assert match.accepted_at is not None
            accepted_on = match.accepted_at.astimezone(STOCKHOLM).date()
            months = followup.checkins_due(accepted_on, match.checkins_announced, today)
            if not months:
                continue
            # A schedule that jumped over several asks only the latest.
            month = months[-1]
            events.append(
                CheckinDue(
                    match_id=match.match_id,
                    **pairing.people(),
                    at=at,
                    month=month,
                    answer_by=followup.checkin_answer_by(accepted_on, month),
                )
            )
            announced = tuple(sorted({*match.checkins_announced, *months}))
            await store.save_match(replace(match, checkins_announced=announced))
            done["checkins"] += 1
        await announce(store, events)
    done["expired"] = await expire_proposals(store, today, at)
    done["ended"] = await end_programmes(store, today, at)
    done["erased"] = await erase_after_programme(store, today, at)
    return done


# -- people's own links --------------------------------------------------------------------------


class LinkRefused(Exception):
    """The link cannot do this; the message says why, and `code` says it for the site, which
    words it in the person's language: forged, purpose, expired, unconfigured (from the link),
    used, closed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _read(key: str, token: str, purpose: str, today: date) -> tuple[str, ...]:
    try:
        return read_link(key, token, purpose, today).fields
    except InvalidLink as exc:
        raise LinkRefused(exc.code, str(exc)) from None


@dataclass(frozen=True)
class SeenByLink:
    """A match as one of its two people sees it through their own link."""

    pairing: Pairing
    role: str
    answered: bool = False  # the link was used already
    month: int | None = None  # a check-in's


async def _pairing(store: MentoringStore, match_id: str) -> Pairing:
    found = await store.pairing(match_id)
    if found is None:
        raise LinkRefused("closed", "this proposal is no longer in the programme")
    return found


async def show_proposal(store: MentoringStore, key: str, token: str, today: date) -> SeenByLink:
    """What the person sees before answering; changes nothing."""
    match_id, role = _read(key, token, followup.ANSWER_LINK, today)
    pairing = await _pairing(store, match_id)
    return SeenByLink(pairing, role, await store.link_was_used(link_digest(token)))


async def answer_proposal(
    store: MentoringStore,
    key: str,
    token: str,
    accept: bool,
    programme: Programme,
    today: date,
) -> SeenByLink:
    """The person's own answer, once: accept (the match starts when both have) or decline."""
    match_id, role = _read(key, token, followup.ANSWER_LINK, today)
    async with store.transaction():
        if not await store.use_link(link_digest(token)):
            raise LinkRefused("used", "you have already answered with this link")
        try:
            if accept:
                await accept_match(store, match_id, Actor(role), programme)
            else:
                await decline_match(store, match_id, Actor(role))
        except MatchError:
            raise LinkRefused(
                "closed", "the proposal has already been answered or has expired"
            ) from None
    return SeenByLink(await _pairing(store, match_id), role)


async def show_checkin(store: MentoringStore, key: str, token: str, today: date) -> SeenByLink:
    match_id, role, month = _read(key, token, followup.CHECKIN_LINK, today)
    pairing = await _pairing(store, match_id)
    return SeenByLink(pairing, role, await store.link_was_used(link_digest(token)), int(month))


async def record_checkin(
    store: MentoringStore,
    key: str,
    token: str,
    checkin: followup.Checkin,
    today: date,
    at: datetime | None = None,
) -> SeenByLink:
    """One check-in answer, once; `checkin.recorded` carries it without the comment."""
    match_id, role, month = _read(key, token, followup.CHECKIN_LINK, today)
    async with store.transaction():
        if not await store.use_link(link_digest(token)):
            raise LinkRefused("used", "you have already answered this check-in")
        pairing = await store.pairing(match_id)
        if pairing is None or pairing.match.status not in (
            MatchStatus.ACCEPTED,
            MatchStatus.ENDED,
        ):
            raise LinkRefused("closed", "this mentorship is no longer in the programme")
        if not await store.save_checkin(match_id, role, int(month), checkin):
            raise LinkRefused("used", "you have already answered this check-in")
        await announce(
            store,
            [
                CheckinRecorded(
                    match_id=match_id,
                    role=Role(role),
                    month=int(month),
                    met=checkin.met,
                    meetings=checkin.meetings,
                    satisfaction=checkin.satisfaction,
                    at=at or datetime.now(STOCKHOLM),
                )
            ],
        )
    return SeenByLink(pairing, role, True, int(month))


# -- personal data -----------------------------------------------------------------------------


async def _erase(store: MentoringStore, people: list[Person], at: datetime) -> list[EventData]:
    events: list[EventData] = []
    for person in people:
        live = await store.live_pairings_of(person.kind, (person.agency, person.person_id))
        # An erased manager leaves the programme; an erased mentor's mentees wait again.
        leaves = person.kind == "manager"
        events += [await end_match(store, p, EndReason.OPERATOR, at, leaves) for p in live]
        await store.erase_person(person, f"erased-{uuid.uuid4().hex[:12]}")
        events.append(PersonErased(agency=person.agency, person_id=person.person_id, at=at))
    return events


async def erase_person(store: MentoringStore, person_id: str, at: datetime) -> int:
    """On request: the person's live matches end, then their data goes (and notify's copies,
    told by `person.erased`)."""
    async with store.transaction():
        people = await store.people_named(person_id)
        await announce(store, await _erase(store, people, at))
    if people:
        log.info("a person's data was erased on request", count=len(people))
    return len(people)


async def erase_after_programme(store: MentoringStore, today: date, at: datetime) -> int:
    cutoff = datetime.combine(add_months(today, -followup.ERASED_AFTER_MONTHS), time(0), STOCKHOLM)
    async with store.transaction():
        people = await store.people_done_before(cutoff)
        await announce(store, await _erase(store, people, at))
    return len(people)


async def programme_figures(
    store: MentoringStore, today: date, period: tuple[date, date] | None = None
) -> dict[str, Any]:
    pairs, answers, waiting = await store.figures_input()
    return followup.figures(pairs, answers, waiting, today, period)
