"""What happens on each batch of agencies' assignment events, on each interest and answer, and
as time passes. Each loads, lets the domain decide, saves, and announces through the outbox
(letters through the requests to notify) in one transaction."""

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import asyncpg
from myndnet_kit.classify import Incoming
from myndnet_kit.logging import get_logger
from myndnet_schemas import Event
from myndnet_schemas.events import AgencyState, AssignmentPosted, AssignmentWithdrawn
from myndnet_schemas.events.exchange import Step
from myndnet_schemas.topics import service_source

from myndnet_exchange.adapters.postgres import PostgresExchange
from myndnet_exchange.domain import assignments as rules
from myndnet_exchange.domain.assignments import Assignment, Interest, Outcome, Parties, Refused

log = get_logger(__name__)
SOURCE = service_source("exchange")
# The network's agencies as membership last said (code → state).
Agencies = Callable[[], dict[str, AgencyState]]


def parties(agencies: dict[str, AgencyState], host: str, home: str) -> Parties:
    def of(code: str) -> tuple[str, tuple[str, ...]]:
        state = agencies.get(code)
        if state is None:
            return code, ()
        return state.name, tuple(state.coordinators)

    host_name, host_coordinators = of(host)
    home_name, home_coordinators = of(home)
    return Parties(host_name, host_coordinators, home_name, home_coordinators)


def parties_of(agencies: dict[str, AgencyState], host: str) -> Callable[[Interest], Parties]:
    return lambda interest: parties(agencies, host, interest.home)


async def _save(
    store: PostgresExchange, outcome: Outcome, topic: str, traceparent: str | None = None
) -> None:
    if outcome.assignment is not None:
        await store.save_assignments([outcome.assignment])
    await store.save_interests(outcome.interests)
    await store.queue_letters(outcome.letters)
    await store.announce(
        topic, [Event.new(e, source=SOURCE, traceparent=traceparent) for e in outcome.events]
    )


async def apply_assignment_events(
    store: PostgresExchange, events: Sequence[Incoming], agencies: Agencies, topic: str
) -> None:
    """A batch of posted/withdrawn events, in partition order, in the caller's transaction: the
    latest revision of each assignment is kept; a withdrawal ends the interest in it."""
    keys = list(dict.fromkeys((e.agency or "", e.event.data.subject()) for e in events))
    current = await store.assignments(keys, for_update=True)
    now = datetime.now(UTC)
    changed: dict[tuple[str, str], Assignment] = {}
    withdrawn: list[Assignment] = []
    for incoming in events:
        data = incoming.event.data
        assert isinstance(data, AssignmentPosted | AssignmentWithdrawn)
        key = (incoming.agency or "", data.assignment_id)
        after = rules.apply_hr_event(current.get(key), key[0], data, now)
        if after is None:
            continue
        current[key] = changed[key] = after
        if isinstance(data, AssignmentWithdrawn):
            withdrawn.append(after)
    await store.save_assignments(list(changed.values()))
    if withdrawn:
        interests = await store.interests_in([a.key for a in withdrawn], for_update=True)
        known = agencies()
        for assignment in withdrawn:
            outcome = rules.close(
                assignment,
                interests.get(assignment.key, []),
                parties_of(known, assignment.host),
                "withdrawn",
            )
            await _save(store, outcome, topic)


async def close_assignments_of_departed(
    conn: asyncpg.Connection,
    before: AgencyState | None,
    after: AgencyState,
    agencies: Agencies,
    topic: str,
) -> None:
    """Membership changed: an agency that left has its open assignments withdrawn, and
    everyone waiting on them is told (in the follower's transaction)."""
    if after.participates:
        return
    store = PostgresExchange(conn)
    open_ones = await store.open_of(after.code)
    interests = await store.interests_in([a.key for a in open_ones], for_update=True)
    known = {**agencies(), after.code: after}
    for assignment in open_ones:
        outcome = rules.close(
            assignment,
            interests.get(assignment.key, []),
            parties_of(known, assignment.host),
            "withdrawn",
        )
        await _save(store, outcome, topic)
    if open_ones:
        log.info("withdrew the assignments of an agency that left", agency=after.code)


async def post_or_withdraw(
    store: PostgresExchange,
    host: str,
    data: AssignmentPosted | AssignmentWithdrawn,
    agencies: Agencies,
    topic: str,
    actor: str,
) -> Assignment:
    """An assignment posted or withdrawn in the console, as its HR system would: the same
    rules (a withdrawal ends the interest in it). Its revision is the next after the latest."""
    async with store.transaction():
        current = await store.assignment(host, data.assignment_id, for_update=True)
        revision = (current.revision if current else 0) + 1
        data = data.model_copy(update={"revision": revision})
        after = rules.apply_hr_event(current, host, data, datetime.now(UTC))
        if after is None:
            raise Refused("not_found" if current is None else "closed", "nothing to withdraw")
        await store.save_assignments([after])
        if isinstance(data, AssignmentWithdrawn):
            interests = (await store.interests_in([after.key], for_update=True))[after.key]
            outcome = rules.close(after, interests, parties_of(agencies(), host), "withdrawn")
            await _save(store, outcome, topic)
        what = (
            "assignment.withdrawn" if isinstance(data, AssignmentWithdrawn) else "assignment.posted"
        )
        await store.record_action(actor, what, f"{host}/{data.assignment_id}")
    return after


async def record_interest(
    store: PostgresExchange,
    host: str,
    assignment_id: str,
    email: str,
    home: str,
    note: str,
    language: str,
    agencies: Agencies,
    today: date,
    topic: str,
) -> Interest:
    async with store.transaction():
        assignment = await store.assignment(host, assignment_id, for_update=True)
        if assignment is None:
            raise Refused("not_found", f"no assignment {host}/{assignment_id}")
        earlier = (await store.interests_in([assignment.key]))[assignment.key]
        who = parties(agencies(), host, home)
        outcome = rules.record_interest(
            assignment, earlier, email, home, note, language, who, today
        )
        await _save(store, outcome, topic)
    return outcome.interests[0]


async def show(store: PostgresExchange, interest_id: str) -> tuple[Assignment, Interest]:
    interest = await store.interest(interest_id)
    if interest is None:
        raise Refused("not_found", "the interest is not known (it may have been erased)")
    assignment = await store.assignment(interest.host, interest.assignment_id)
    assert assignment is not None
    return assignment, interest


async def answer(
    store: PostgresExchange,
    interest_id: str,
    step: Step,
    yes: bool,
    agencies: Agencies,
    today: date,
    topic: str,
) -> tuple[Assignment, Interest]:
    """One of the three answers its step through its link."""
    async with store.transaction():
        found = await store.interest(interest_id)
        if found is None:
            raise Refused("not_found", "the interest is not known (it may have been erased)")
        assignment = await store.assignment(found.host, found.assignment_id, for_update=True)
        assert assignment is not None
        everyone = (await store.interests_in([assignment.key], for_update=True))[assignment.key]
        interest = next(i for i in everyone if i.interest_id == interest_id)
        others = [i for i in everyone if i.interest_id != interest_id]
        who = parties(agencies(), assignment.host, interest.home)
        outcome = rules.answer(assignment, interest, others, step, yes, who, today)
        await _save(store, outcome, topic)
    return outcome.assignment or assignment, outcome.interests[0]


async def run_schedule(
    store: PostgresExchange, today: date, agencies: Agencies, topic: str
) -> dict[str, int]:
    """What is due today: assignments past their answer date closed, with a letter to each who
    was still waiting; a step waiting five working days reminded, once."""
    closed = reminded = 0
    known = agencies()
    async with store.transaction():
        for assignment in await store.past_answer_date(today):
            interests = (await store.interests_in([assignment.key], for_update=True))[
                assignment.key
            ]
            outcome = rules.close(
                assignment,
                interests,
                parties_of(known, assignment.host),
                "closed",
            )
            await _save(store, outcome, topic)
            closed += 1
        pending = await store.pending_interests()
        keys = list(dict.fromkeys((i.host, i.assignment_id) for i in pending))
        assignments = await store.assignments(keys)
        for interest in pending:
            waiting = assignments.get((interest.host, interest.assignment_id))
            if waiting is None or not rules.reminder_due(interest, today):
                continue
            who = parties(known, interest.host, interest.home)
            await _save(store, rules.remind(waiting, interest, who), topic)
            reminded += 1
    if closed or reminded:
        log.info("exchange schedule", closed=closed, reminded=reminded)
    return {"closed": closed, "reminded": reminded}


async def forget_person(store: PostgresExchange, email: str) -> int:
    """A person asked to be forgotten: their profile, and their address in every interest that
    has ended, here and in notify."""
    async with store.transaction():
        removed = await store.remove_profile(email)
        forgotten = await store.forget_interests_of(email)
        await store.queue_forget([rules.person_ref(i) for i in forgotten])
    return len(forgotten) + int(removed)
