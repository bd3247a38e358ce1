"""The seat rules without servers: examples, then hypothesis over random sequences of register,
confirm, cancel and the deadline."""

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from myndnet_trainings.domain.seats import (
    AlreadyRegistered,
    Change,
    Registration,
    Seating,
    Status,
    Step,
    add_request,
    cancel,
    cancel_agency,
    cancel_all,
    check_quotas,
    confirm,
    fill_free_seats,
    pass_deadline,
)


def seating_with(*people: tuple[str, str, Status, int | None], total=4, quotas=None) -> Seating:
    return Seating(
        total=total,
        quotas=quotas if quotas is not None else {"csn": 2, "skv": 2},
        registrations=tuple(
            Registration(rid, agency, f"{rid}@{agency}.se", status, order)
            for rid, agency, status, order in people
        ),
    )


R, W, U, C = Status.REGISTERED, Status.WAITLISTED, Status.UNCONFIRMED, Status.CANCELLED


def test_up_to_the_quota_people_are_registered_and_the_next_is_waitlisted():
    seating = seating_with(("a", "csn", R, 1), ("b", "csn", R, 2), ("c", "csn", U, None))
    [change] = confirm(seating, "c", 3)
    assert (change.status, change.step, change.order) == (W, Step.WAITLISTED, 3)
    seating = seating.after([change])
    assert seating.place("c") == 1
    assert confirm(seating, "c", 4) == []  # confirming again changes nothing


def test_a_cancellation_promotes_the_first_waitlisted_of_the_same_agency_only():
    seating = seating_with(
        ("a", "csn", R, 1),
        ("b", "csn", R, 2),
        ("x", "skv", W, 3),  # another agency's waiting never takes CSN's seat before the deadline
        ("c", "csn", W, 5),
        ("d", "csn", W, 4),
        quotas={"csn": 2, "skv": 0},
    )
    changes = cancel(seating, "a", "person")
    assert [(c.registration_id, c.step) for c in changes] == [
        ("a", Step.CANCELLED),
        ("d", Step.PROMOTED),
    ]
    assert changes[1].because == "seat_freed"
    after = seating.after(changes)
    assert after.place("c") == 1
    assert cancel(after, "a", "person") == []  # a second cancellation of the same changes nothing


def test_cancelling_a_waiting_place_promotes_nobody():
    seating = seating_with(("a", "csn", R, 1), ("b", "csn", R, 2), ("c", "csn", W, 3))
    assert [c.registration_id for c in cancel(seating, "c", "person")] == ["c"]


def test_after_the_deadline_unused_seats_go_to_the_waitlists_in_registration_order():
    seating = seating_with(
        ("a", "csn", R, 1),
        ("b", "csn", R, 2),
        ("c", "csn", W, 6),
        ("d", "csn", W, 3),
        ("e", "lst", W, 4),  # an agency without seats of its own
        total=5,
    )
    opened, changes = pass_deadline(seating)
    assert [(c.registration_id, c.because) for c in changes] == [
        ("d", "deadline"),
        ("e", "deadline"),
        ("c", "deadline"),
    ]
    assert opened.after(changes).seats_left() == 0
    assert pass_deadline(opened.after(changes)) == (opened.after(changes), [])


def test_after_the_deadline_a_freed_seat_goes_to_the_first_in_the_common_queue():
    seating = seating_with(("a", "csn", R, 1), ("x", "skv", W, 2), ("y", "csn", W, 3), total=1)
    opened, _ = pass_deadline(seating)
    assert opened.place("x") == 1 and opened.place("y") == 2
    changes = cancel(opened, "a", "person")
    assert [c.registration_id for c in changes] == ["a", "x"]


def test_an_agency_leaving_frees_its_seats_for_nobody_of_its_own():
    seating = seating_with(
        ("a", "csn", R, 1), ("b", "csn", W, 2), ("c", "csn", U, None), ("d", "skv", R, 3)
    )
    changes = cancel_agency(seating, "csn", "agency_left")
    assert {(c.registration_id, c.had) for c in changes} == {("a", R), ("b", W), ("c", U)}
    assert all(c.status is C for c in changes)


def test_a_cancelled_session_cancels_everyone_live():
    seating = seating_with(("a", "csn", R, 1), ("b", "csn", C, 2), ("c", "skv", U, None))
    assert {c.registration_id for c in cancel_all(seating, "session_cancelled")} == {"a", "c"}


def test_one_live_registration_per_person():
    seating = seating_with(("a", "csn", W, 1))
    with pytest.raises(AlreadyRegistered):
        add_request(seating, Registration("z", "csn", "A@csn.se", U))
    again = add_request(seating.after([Change("a", C, Step.CANCELLED, W)]), seating.get("a"))
    assert again.get("a").status is U


@pytest.mark.parametrize(
    "total, quotas, why",
    [(0, {}, "at least one seat"), (3, {"a": 2, "b": 2}, "add up to 4"), (3, {"a": -1}, "fewer")],
)
def test_quotas_that_cannot_be_kept_are_refused(total, quotas, why):
    with pytest.raises(ValueError, match=why):
        check_quotas(total, quotas)


AGENCIES = ("csn", "skv", "lst")


class SeatingMachine(RuleBasedStateMachine):
    """Random register / confirm / cancel / deadline; after every step the rules hold."""

    def __init__(self) -> None:
        super().__init__()
        self.seating: Seating | None = None
        self.next_id = 0
        self.next_order = 0
        self.last: list[Change] = []
        self.before: Seating | None = None

    @precondition(lambda self: self.seating is None)
    @rule(
        quotas=st.fixed_dictionaries({a: st.integers(0, 2) for a in AGENCIES}),
        extra=st.integers(0, 1),
    )
    def open_session(self, quotas, extra):
        quotas = {a: n for a, n in quotas.items() if n or a != "lst"}  # lst: no seats of its own
        self.seating = Seating(total=max(1, sum(quotas.values()) + extra), quotas=quotas)

    def _step(self, changes: list[Change], seating: Seating | None = None) -> None:
        assert self.seating is not None
        self.before = seating or self.seating
        self.last = changes
        self.seating = self.before.after(changes)

    @precondition(lambda self: self.seating is not None)
    @rule(agency=st.sampled_from(AGENCIES), person=st.integers(0, 6))
    def register(self, agency, person):
        assert self.seating is not None
        self.next_id += 1
        request = Registration(f"r{self.next_id}", agency, f"p{person}@{agency}.se", U)
        try:
            self.seating = add_request(self.seating, request)
        except AlreadyRegistered as exc:
            assert exc.registration.person == request.person
        self.last = []

    def _pick(self, data, statuses):
        assert self.seating is not None
        candidates = [r for r in self.seating.registrations if r.status in statuses]
        return data.draw(st.sampled_from(candidates)) if candidates else None

    @precondition(lambda self: self.seating is not None)
    @rule(data=st.data())
    def confirm_again_or_cancel_again(self, data):
        """A second confirmation or cancellation (a redelivered click) changes nothing."""
        picked = self._pick(data, {R, W, C})
        if picked is not None:
            assert confirm(self.seating, picked.id, 10_000) == []
            if picked.status is C:
                assert cancel(self.seating, picked.id, "person") == []

    @precondition(lambda self: self.seating is not None)
    @rule(data=st.data())
    def confirm_one(self, data):
        picked = self._pick(data, {U})
        if picked is not None:
            self.next_order += 1
            self._step(confirm(self.seating, picked.id, self.next_order))

    @precondition(lambda self: self.seating is not None)
    @rule(data=st.data())
    def cancel_one(self, data):
        picked = self._pick(data, {U, R, W})
        if picked is not None:
            changes = cancel(self.seating, picked.id, "person")
            promoted = [c for c in changes if c.step is Step.PROMOTED]
            assert len(promoted) == (
                1 if picked.status is R and self._anyone_could_take(picked) else 0
            )
            self._step(changes)

    def _anyone_could_take(self, leaving: Registration) -> bool:
        assert self.seating is not None
        if self.seating.deadline_passed:
            return bool(self.seating.waitlist())
        return bool(self.seating.waitlist(leaving.agency))

    @precondition(lambda self: self.seating is not None and not self.seating.deadline_passed)
    @rule()
    def deadline(self):
        assert self.seating is not None
        opened, changes = pass_deadline(self.seating)
        self._step(changes, opened)

    @precondition(lambda self: self.seating is not None)
    @rule(agency=st.sampled_from(AGENCIES))
    def agency_leaves(self, agency):
        self._step(cancel_agency(self.seating, agency, "agency_left"))

    @invariant()
    def seats_are_never_exceeded(self):
        if self.seating is None:
            return
        s = self.seating
        assert s.registered() <= s.total
        if not s.deadline_passed:
            for agency in AGENCIES:
                assert s.registered(agency) <= s.quotas.get(agency, 0)

    @invariant()
    def nobody_is_on_the_session_twice(self):
        if self.seating is None:
            return
        live = [r.person for r in self.seating.registrations if r.status is not C]
        assert len(live) == len(set(live))

    @invariant()
    def nobody_waits_for_a_seat_that_is_free_for_them(self):
        if self.seating is None:
            return
        for waiting in self.seating.waitlist():
            assert self.seating.seats_free_for(waiting.agency) == 0

    @invariant()
    def promotions_follow_registration_order(self):
        if self.seating is None or self.before is None:
            return
        for change in self.last:
            if change.step is not Step.PROMOTED:
                continue
            promoted = self.before.get(change.registration_id)
            same_queue = (
                self.seating.waitlist()
                if self.before.deadline_passed or change.because == "deadline"
                else self.seating.waitlist(promoted.agency)
            )
            assert all((w.order or 0) > (promoted.order or 0) for w in same_queue)

    @invariant()
    def places_count_from_one_without_gaps(self):
        if self.seating is None:
            return
        s = self.seating
        queues = [s.waitlist()] if s.deadline_passed else [s.waitlist(a) for a in AGENCIES]
        for queue in queues:
            assert [s.place(r.id) for r in queue] == list(range(1, len(queue) + 1))


SeatingMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
test_seating_rules_hold_over_random_sequences = SeatingMachine.TestCase


def test_fill_free_seats_skips_those_whose_agency_has_no_seat_left():
    seating = seating_with(("a", "csn", W, 1), ("b", "skv", W, 2), quotas={"csn": 0, "skv": 1})
    assert [c.registration_id for c in fill_free_seats(seating, "seat_freed")] == ["b"]
