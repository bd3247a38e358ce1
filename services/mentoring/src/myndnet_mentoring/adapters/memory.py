"""The mentoring store in memory: the fake the handlers' unit tests use. It keeps what the
PostgreSQL store keeps and answers as it does (`tests/test_mentoring_store.py` runs the same
tests against both)."""

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from myndnet_kit.store import MemoryStore
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.topics import MENTORING_MATCHES

from myndnet_mentoring.domain.followup import Answer, Checkin, Pair, Waiting, mail_language
from myndnet_mentoring.domain.match import LIVE, ManagerStatus, Match, MatchStatus, Pairing, Party
from myndnet_mentoring.domain.matching import Candidate, Key, Mentor, Rules
from myndnet_mentoring.domain.people import (
    AgencyFlow,
    Manager,
    Person,
    Volunteer,
    VolunteerStatus,
)

COUNTED = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.ENDED)


@dataclass
class Tables:
    managers: dict[Key, Manager] = field(default_factory=dict)
    volunteers: dict[Key, Volunteer] = field(default_factory=dict)
    matches: dict[str, Match] = field(default_factory=dict)
    excluded: set[tuple[Key, Key]] = field(default_factory=set)
    forbidden: set[tuple[str, str]] = field(default_factory=set)
    used_links: set[bytes] = field(default_factory=set)
    checkins: dict[tuple[str, str, int], Checkin] = field(default_factory=dict)


class MemoryMentoring(MemoryStore[Tables]):
    def __init__(self, matches_topic: str = MENTORING_MATCHES) -> None:
        super().__init__(Tables())
        self.matches_topic = matches_topic

    def _in_order(self, matches: list[Match]) -> list[Pairing]:
        never = datetime.min.replace(tzinfo=UTC)
        ordered = sorted(matches, key=lambda m: (m.proposed_at or never, m.match_id))
        return [self._pairing(m) for m in ordered]

    def _pairing(self, match: Match) -> Pairing:
        manager = self.state.managers[match.manager]
        mentor = self.state.volunteers[match.mentor]
        return Pairing(
            match,
            Party(
                agency=manager.agency,
                person_id=manager.person_id,
                name=manager.name,
                email=manager.email,
                title=manager.title,
                language=mail_language(manager.languages),
            ),
            Party(
                agency=mentor.agency,
                person_id=mentor.person_id,
                name=mentor.name,
                email=mentor.email,
                title=mentor.title,
                language=mail_language(mentor.languages),
            ),
        )

    def _where(self, keep: Callable[[Match], bool]) -> list[Pairing]:
        return self._in_order([m for m in self.state.matches.values() if keep(m)])

    # -- people ----------------------------------------------------------------------------

    async def save_manager(self, manager: Manager) -> None:
        known = self.state.managers.get(manager.key)
        if known is None:
            self.state.managers[manager.key] = replace(
                manager, waiting_since=manager.waiting_since or datetime.now(UTC)
            )
            return
        self.state.managers[manager.key] = replace(
            known,
            name=manager.name,
            email=manager.email,
            title=manager.title,
            unit=manager.unit,
            start_date=manager.start_date,
            competence_areas=manager.competence_areas,
            languages=manager.languages,
            municipality=manager.municipality,
        )

    async def save_volunteer(self, volunteer: Volunteer) -> None:
        self.state.volunteers[volunteer.key] = replace(
            volunteer, status=VolunteerStatus.ACTIVE, current_mentees=0
        )

    async def withdraw_volunteer(self, mentor: Key) -> bool:
        known = self.state.volunteers.get(mentor)
        if known is None:
            return False
        self.state.volunteers[mentor] = replace(known, status=VolunteerStatus.WITHDRAWN)
        return True

    async def set_manager_status(
        self, manager: Key, status: ManagerStatus, *, clear_reason: bool = False
    ) -> None:
        known = self.state.managers.get(manager)
        if known is not None:
            reason = None if clear_reason else known.unmatched_reason
            self.state.managers[manager] = replace(known, status=status, unmatched_reason=reason)

    async def agency_left(self, agency: str) -> None:
        for key, v in list(self.state.volunteers.items()):
            if v.agency == agency:
                self.state.volunteers[key] = replace(v, status=VolunteerStatus.WITHDRAWN)
        for key, m in list(self.state.managers.items()):
            if m.agency == agency and m.status is ManagerStatus.WAITING:
                self.state.managers[key] = replace(m, status=ManagerStatus.COMPLETED)

    async def managers(self, status: ManagerStatus | None = None) -> list[Manager]:
        never = datetime.min.replace(tzinfo=UTC)
        found = [m for m in self.state.managers.values() if status in (None, m.status)]
        return sorted(found, key=lambda m: (m.waiting_since or never, m.agency, m.person_id))

    async def volunteers(self) -> list[Volunteer]:
        mentees = Counter(m.mentor for m in self.state.matches.values() if m.status in LIVE)
        return [
            replace(v, current_mentees=mentees[key])
            for key, v in sorted(self.state.volunteers.items())
        ]

    # -- a matching round ------------------------------------------------------------------

    async def one_round_at_a_time(self) -> None:
        return None  # one event loop, no other replica

    async def candidates(self, now: datetime) -> list[Candidate]:
        return [
            Candidate(
                key,
                frozenset(m.competence_areas),
                frozenset(m.languages),
                m.municipality,
                max(0, (now - (m.waiting_since or now)).days),
            )
            for key, m in sorted(self.state.managers.items())
            if m.status is ManagerStatus.WAITING
        ]

    async def mentors_with_places(self) -> list[Mentor]:
        return [
            Mentor(
                v.key,
                frozenset(v.competence_areas),
                frozenset(v.languages),
                v.municipality,
                v.years_as_manager,
                v.free_places,
            )
            for v in await self.volunteers()
            if v.free_places > 0
        ]

    async def rules(self) -> Rules:
        received: Counter[str] = Counter()
        given: Counter[str] = Counter()
        for m in self.state.matches.values():
            if m.status in COUNTED:
                received[m.manager[0]] += 1
                given[m.mentor[0]] += 1
        return Rules(
            excluded_pairs=frozenset(self.state.excluded),
            forbidden_agency_pairs=frozenset(frozenset(p) for p in self.state.forbidden),
            agency_balance={
                a: (received[a] - given[a]) / (received[a] + given[a])
                for a in set(received) | set(given)
            },
        )

    async def record_unmatched(self, reasons: Mapping[Key, str]) -> None:
        for key, reason in reasons.items():
            known = self.state.managers.get(key)
            if known is not None:
                self.state.managers[key] = replace(known, unmatched_reason=reason)

    async def exclude_pair(self, manager: Key, mentor: Key) -> None:
        self.state.excluded.add((manager, mentor))

    # -- matches ---------------------------------------------------------------------------

    async def add_match(self, match: Match) -> None:
        assert match.match_id not in self.state.matches, "a unique key"
        assert match.manager in self.state.managers, "a foreign key"
        assert match.mentor in self.state.volunteers, "a foreign key"
        assert not any(
            m.manager == match.manager and m.status in LIVE for m in self.state.matches.values()
        ), "one live match per manager"
        self.state.matches[match.match_id] = match

    async def save_match(self, match: Match) -> None:
        stored = self.state.matches.get(match.match_id)
        if stored is not None:
            # What a transition changes; who, score and reasons stay as proposed.
            self.state.matches[match.match_id] = replace(
                match,
                manager=stored.manager,
                mentor=stored.mentor,
                score=stored.score,
                reasons=stored.reasons,
                proposed_at=stored.proposed_at,
                respond_by=stored.respond_by,
            )

    async def pairing(self, match_id: str, *, for_update: bool = False) -> Pairing | None:
        found = self.state.matches.get(match_id)
        return None if found is None else self._pairing(found)

    async def pairings(self, status: str | None = None) -> list[Pairing]:
        return self._where(lambda m: status in (None, m.status.value))

    async def live_pairings_of(self, kind: str, person: Key) -> list[Pairing]:
        role = "manager" if kind == "manager" else "mentor"
        return self._where(lambda m: m.status in LIVE and getattr(m, role) == person)

    async def live_pairings_of_agency(self, agency: str) -> list[Pairing]:
        return self._where(lambda m: m.status in LIVE and agency in (m.manager[0], m.mentor[0]))

    async def unanswered_proposals(self, today: date) -> list[Pairing]:
        return self._where(lambda m: m.status is MatchStatus.PROPOSED and m.respond_by < today)

    async def programmes_ending(self, today: date) -> list[Pairing]:
        return self._where(
            lambda m: (
                m.status is MatchStatus.ACCEPTED and m.ends_on is not None and m.ends_on <= today
            )
        )

    async def proposals_to_remind(self, today: date, last_day: date) -> list[Pairing]:
        return self._where(
            lambda m: (
                m.status is MatchStatus.PROPOSED
                and m.reminded_on is None
                and today <= m.respond_by <= last_day
            )
        )

    async def accepted_pairings(self) -> list[Pairing]:
        return self._where(lambda m: m.status is MatchStatus.ACCEPTED)

    # -- forbidden agency pairs ------------------------------------------------------------

    async def forbidden_pairs(self) -> list[tuple[str, str]]:
        return sorted(self.state.forbidden)

    async def forbid_pair(self, a: str, b: str) -> None:
        assert a < b, "a check constraint"
        self.state.forbidden.add((a, b))

    async def allow_pair(self, a: str, b: str) -> None:
        self.state.forbidden.discard((a, b))

    # -- people's own links, check-ins -----------------------------------------------------

    async def use_link(self, digest: bytes) -> bool:
        if digest in self.state.used_links:
            return False
        self.state.used_links.add(digest)
        return True

    async def link_was_used(self, digest: bytes) -> bool:
        return digest in self.state.used_links

    async def save_checkin(self, match_id: str, role: str, month: int, checkin: Checkin) -> bool:
        assert match_id in self.state.matches, "a foreign key"
        if (match_id, role, month) in self.state.checkins:
            return False
        self.state.checkins[match_id, role, month] = checkin
        return True

    # -- figures ---------------------------------------------------------------------------

    async def agency_flows(self) -> list[AgencyFlow]:
        given: Counter[str] = Counter()
        received: Counter[str] = Counter()
        waiting: Counter[str] = Counter()
        for m in self.state.matches.values():
            if m.status in COUNTED:
                given[m.mentor[0]] += 1
                received[m.manager[0]] += 1
        for manager in self.state.managers.values():
            if manager.status is ManagerStatus.WAITING:
                waiting[manager.agency] += 1
        return [
            AgencyFlow(a, given[a], received[a], waiting[a])
            for a in sorted(set(given) | set(received) | set(waiting))
        ]

    async def figures_input(
        self,
    ) -> tuple[list[Pair], list[Answer], list[Waiting]]:
        accepted = sorted(
            (m for m in self.state.matches.values() if m.accepted_at is not None),
            key=lambda m: (m.accepted_at, m.match_id),
        )
        pairs = [
            Pair(
                m.match_id,
                m.manager[0],
                m.mentor[0],
                m.accepted_at.astimezone(STOCKHOLM).date(),
                m.status.value,
                m.close_reason,
            )
            for m in accepted
            if m.accepted_at is not None
        ]
        answers = [
            Answer(match_id, month, c.met, c.satisfaction)
            for (match_id, _role, month), c in sorted(self.state.checkins.items())
        ]
        waiting = [
            Waiting(
                m.agency,
                m.person_id,
                m.unmatched_reason,
                (m.waiting_since or datetime.now(UTC)).astimezone(STOCKHOLM).date(),
            )
            for m in await self.managers(ManagerStatus.WAITING)
        ]
        return pairs, answers, waiting

    # -- personal data ---------------------------------------------------------------------

    async def people_named(self, person_id: str) -> list[Person]:
        found = [
            Person("manager", m.agency, m.person_id)
            for m in self.state.managers.values()
            if m.person_id == person_id and m.erased_at is None
        ] + [
            Person("mentor", v.agency, v.person_id)
            for v in self.state.volunteers.values()
            if v.person_id == person_id and v.erased_at is None
        ]
        return sorted(found, key=lambda p: (p.agency, p.kind))

    async def people_done_before(self, cutoff: datetime) -> list[Person]:
        matches_of: dict[Person, list[Match]] = {}
        for m in self.state.matches.values():
            matches_of.setdefault(Person("manager", *m.manager), []).append(m)
            matches_of.setdefault(Person("mentor", *m.mentor), []).append(m)
        done = []
        for person, matches in matches_of.items():
            table = self.state.managers if person.kind == "manager" else self.state.volunteers
            known = table.get((person.agency, person.person_id))
            if known is not None and known.erased_at is not None:
                continue
            closed = [m.closed_at for m in matches if m.closed_at is not None]
            if (
                all(m.status not in LIVE for m in matches)
                and len(closed) == len(matches)
                and max(closed) < cutoff
            ):
                done.append(person)
        return sorted(done, key=lambda p: (p.agency, p.person_id, p.kind))

    async def erase_person(self, person: Person, anonymous_id: str) -> None:
        old: Key = (person.agency, person.person_id)
        new: Key = (person.agency, anonymous_id)
        at = datetime.now(UTC)
        if person.kind == "manager":
            manager = self.state.managers.pop(old)
            self.state.managers[new] = replace(
                manager,
                person_id=anonymous_id,
                name="",
                email="",
                title="",
                unit=None,
                competence_areas=(),
                municipality="",
                erased_at=at,
                status=ManagerStatus.COMPLETED,
            )
        else:
            volunteer = self.state.volunteers.pop(old)
            self.state.volunteers[new] = replace(
                volunteer,
                person_id=anonymous_id,
                name="",
                email="",
                title="",
                unit=None,
                competence_areas=(),
                municipality="",
                erased_at=at,
                status=VolunteerStatus.WITHDRAWN,
            )
        role = person.kind
        for match_id, m in list(self.state.matches.items()):
            if role == "manager" and m.manager == old:
                self.state.matches[match_id] = replace(m, manager=new)
            elif role == "mentor" and m.mentor == old:
                self.state.matches[match_id] = replace(m, mentor=new)
        self.state.excluded = {
            (
                new if role == "manager" and a == old else a,
                new if role == "mentor" and b == old else b,
            )
            for a, b in self.state.excluded
        }
        for key, checkin in list(self.state.checkins.items()):
            match_id, answered_by, _month = key
            if answered_by == role and getattr(self.state.matches[match_id], role) == new:
                self.state.checkins[key] = replace(checkin, comment=None)
