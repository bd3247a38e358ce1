"""The services' HTTP APIs, as the site reads and writes them: membership (agencies), vacancies
(search, one vacancy, the feed), notify (job alerts), mentoring (people's own links) and
trainings (sessions, registration, people's own links). Short timeouts: a page says a service
is down rather than hang. Nothing is stored here; agencies are kept a minute in memory, since
every page names them and they change a few times a year.

The client is aiohttp's: a call to a service cost well under half of what it did with httpx,
and a vacancy page is one such call (bench/web.py)."""

import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import aiohttp
from myndnet_kit.logging import get_logger

log = get_logger(__name__)
AGENCIES_KEPT_SECONDS = 60.0


class Unavailable(Exception):
    """A service did not answer in time, or answered 5xx."""

    def __init__(self, service: str, why: str) -> None:
        super().__init__(f"{service}: {why}")
        self.service = service


class Refused(Exception):
    """A service refused what was asked (4xx), with its message and, where it gives one, its
    stable code (what the site's words are chosen by)."""

    def __init__(self, status: int, detail: Any, code: str | None = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status, self.detail, self.code = status, detail, code


@dataclass(frozen=True)
class Answer:
    status_code: int
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass
class Upstream:
    name: str
    base_url: str
    timeout: float
    _session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout, connect=1.0),
                # Idle connections are dropped before the services drop them (uvicorn, after
                # 5 s; aiohttp's default keeps them 15 s). aiohttp asks a read again once when a
                # kept connection turns out closed, but the second may meet another such one:
                # the e2e suite saw a page say mentoring was down that way.
                connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=4.0),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(
        self,
        method: str,
        path: str,
        *,
        allow: tuple[int, ...] = (),
        params: dict[str, Any] | list[tuple[str, str]] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        pairs = params.items() if isinstance(params, dict) else params or []
        query = [(k, str(v)) for k, v in pairs]
        try:
            async with self.session().request(
                method, f"{self.base_url}{path}", params=query, json=json, headers=headers
            ) as response:
                answer = Answer(response.status, await response.read())
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("a service did not answer", service=self.name, error=type(exc).__name__)
            raise Unavailable(self.name, type(exc).__name__) from None
        if answer.status_code >= 500:
            log.warning("a service failed", service=self.name, status=answer.status_code)
            raise Unavailable(self.name, f"HTTP {answer.status_code}")
        if answer.status_code >= 400 and answer.status_code not in allow:
            code = None
            try:
                body = answer.json()
                detail = body.get("detail")
                code = body.get("code") if isinstance(body.get("code"), str) else None
            except (ValueError, AttributeError):
                detail = answer.content[:200].decode("utf-8", "replace")
            raise Refused(answer.status_code, detail, code)
        return answer


class Services:
    def __init__(
        self,
        membership: str,
        vacancies: str,
        notify: str,
        timeout: float = 2.0,
        notify_token: str = "",
        mentoring: str = "http://127.0.0.1:8003",
        trainings: str = "http://127.0.0.1:8005",
        membership_token: str = "",
        console_token: str = "",
        outreach: str = "http://127.0.0.1:8007",
        exchange: str = "http://127.0.0.1:8008",
    ) -> None:
        self.notify_token = notify_token
        self.membership_token = membership_token
        self.console_token = console_token
        self.trainings = Upstream("trainings", trainings, timeout)
        self.outreach = Upstream("outreach", outreach, timeout)
        self.exchange = Upstream("exchange", exchange, timeout)
        self.mentoring = Upstream("mentoring", mentoring, timeout)
        self.membership = Upstream("membership", membership, timeout)
        self.vacancies = Upstream("vacancies", vacancies, timeout)
        self.notify = Upstream("notify", notify, timeout)
        self._agencies: tuple[float, list[dict[str, Any]]] | None = None

    async def close(self) -> None:
        for upstream in self._upstreams():
            await upstream.close()

    def _upstreams(self) -> tuple[Upstream, ...]:
        return (
            self.membership,
            self.vacancies,
            self.notify,
            self.mentoring,
            self.trainings,
            self.outreach,
            self.exchange,
        )

    async def alive(self) -> dict[str, bool]:
        answers = {}
        for upstream in self._upstreams():
            try:
                await upstream.call("GET", "/health/live")
                answers[upstream.name] = True
            except (Unavailable, Refused):
                answers[upstream.name] = False
        return answers

    # membership

    async def agencies(
        self, including: Iterable[str] = (), *, fresh: bool = False
    ) -> list[dict[str, Any]]:
        """The network's current members and associated parties, by name; asked again when
        the kept list is a minute old, lacks an agency of `including` (one just joined), or
        `fresh` is asked for (the console, which shows what was just changed)."""
        kept = self._agencies and time.monotonic() - self._agencies[0] < AGENCIES_KEPT_SECONDS
        if self._agencies and kept and not fresh:
            known = {a["code"] for a in self._agencies[1]}
            if known.issuperset(including):
                return self._agencies[1]
        found = (await self.membership.call("GET", "/agencies")).json()
        current = sorted(
            (a for a in found if a.get("status", "active") != "left"),
            key=lambda a: a["name"].casefold(),
        )
        self._agencies = (time.monotonic(), current)
        return current

    async def agency(self, code: str) -> dict[str, Any] | None:
        response = await self.membership.call("GET", f"/agencies/{code}", allow=(404, 422))
        return None if response.status_code != 200 else response.json()

    # membership: staff's sign-in (the site's token holds membership:sign-in)

    def _site(self, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.membership_token}", **more}

    async def ask_for_sign_in_link(self, email: str, client: str, language: str) -> bool:
        """False when the limits refuse it (nothing is mailed); True otherwise, whether or not
        the address is known."""
        answer = await self.membership.call(
            "POST",
            "/sign-in/links",
            json={"email": email, "client": client, "language": language},
            headers=self._site(),
            allow=(429,),
        )
        return answer.status_code != 429

    async def open_staff_session(self, token: str) -> tuple[bool, dict[str, Any]]:
        """(True, the session and roles) or (False, {code, message}) when the link is refused."""
        answer = await self.membership.call(
            "POST",
            "/sign-in/sessions",
            json={"token": token},
            headers=self._site(),
            allow=(400, 410, 422),
        )
        if answer.status_code == 201:
            return True, answer.json()
        detail = answer.json().get("detail")
        return False, detail if isinstance(detail, dict) else {"code": "forged"}

    async def staff_session(self, session: str) -> dict[str, Any] | None:
        """Who holds the session now; None when it has ended or expired."""
        answer = await self.membership.call(
            "GET",
            "/sign-in/session",
            headers=self._site(**{"X-Staff-Session": session}),
            allow=(404, 422),
        )
        return answer.json() if answer.status_code == 200 else None

    async def end_staff_session(self, session: str) -> None:
        await self.membership.call(
            "DELETE",
            "/sign-in/session",
            headers=self._site(**{"X-Staff-Session": session}),
            allow=(422,),
        )

    # membership: the console (the site's token also holds membership:write and audit:read)

    async def change_agency(self, code: str, change: dict[str, Any], acting_for: str) -> None:
        """Raises Refused (422, with membership's reason) when a value is refused."""
        await self.membership.call(
            "PATCH",
            f"/agencies/{code}",
            json=change,
            headers=self._site(**{"X-Acting-For": acting_for}),
        )
        self._agencies = None  # the next page shows the change

    async def http_keys(self, code: str) -> list[dict[str, Any]]:
        """The agency's keys for ingest's door, live and revoked, by id (never a key)."""
        return (
            await self.membership.call("GET", f"/agencies/{code}/http-keys", headers=self._site())
        ).json()

    async def issue_http_key(self, code: str, acting_for: str) -> dict[str, Any]:
        """A new key, shown once; Refused (409) when the agency has five live keys."""
        headers = self._site(**{"X-Acting-For": acting_for})
        answer = await self.membership.call("POST", f"/agencies/{code}/http-keys", headers=headers)
        return answer.json()

    async def revoke_http_key(self, code: str, key_id: str, acting_for: str) -> None:
        await self.membership.call(
            "DELETE",
            f"/agencies/{code}/http-keys/{key_id}",
            headers=self._site(**{"X-Acting-For": acting_for}),
            allow=(404,),  # revoked already: what was asked is done
        )

    async def agency_actions(self, subjects: list[str] | None) -> list[dict[str, Any]]:
        """What people did to agencies, latest first; those of `subjects` when given."""
        params: list[tuple[str, str]] = [("limit", "200")]
        params += [("subject", s) for s in subjects or ()]
        answer = await self.membership.call(
            "GET", "/audit-log", params=params, headers=self._site()
        )
        return answer.json()["actions"]

    # the console's figures, dead letters and actions in the other services (the site's
    # console token holds notify:operate, mentoring:operate, trainings:write and dlq:replay)

    def _console(self, acting_for: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.console_token}"}
        return {**headers, "X-Acting-For": acting_for} if acting_for else headers

    def upstream(self, name: str) -> Upstream:
        return {u.name: u for u in self._upstreams()}[name]

    def dead_letter_services(self) -> tuple[str, ...]:
        return tuple(u.name for u in self._upstreams())

    async def figures(self, first: date, last: date) -> dict[str, Any]:
        """Each service's figures for the period, side by side; None for a service that did not
        give them (down, or the site holds no token for it)."""
        period = {"from": first.isoformat(), "to": last.isoformat()}

        async def read(upstream: Upstream, path: str, headers: dict[str, str] | None) -> Any:
            try:
                return (await upstream.call("GET", path, params=period, headers=headers)).json()
            except (Unavailable, Refused) as exc:
                log.warning("figures not given", service=upstream.name, error=str(exc))
                return None

        console = self._console()
        vacancies, notify, mentoring, trainings, outreach, exchange = await asyncio.gather(
            read(self.vacancies, "/figures", None),
            read(self.notify, "/figures", console),
            read(self.mentoring, "/programme/figures", console),
            read(self.trainings, "/figures", console),
            read(self.outreach, "/figures", console),
            read(self.exchange, "/figures", console),
        )
        return {
            "vacancies": vacancies,
            "notify": notify,
            "mentoring": mentoring,
            "trainings": trainings,
            "outreach": outreach,
            "exchange": exchange,
        }

    async def dead_letters(self) -> dict[str, list[dict[str, Any]] | None]:
        """Each service's DLQ entries not replayed yet (the newest 500); None where the service
        did not say."""

        async def read(upstream: Upstream) -> list[dict[str, Any]] | None:
            try:
                answer = await upstream.call(
                    "GET", "/dlq", params={"limit": "500"}, headers=self._console()
                )
            except (Unavailable, Refused) as exc:
                log.warning("dead letters not given", service=upstream.name, error=str(exc))
                return None
            return answer.json()["entries"]

        upstreams = self._upstreams()
        found = await asyncio.gather(*(read(u) for u in upstreams))
        return {u.name: entries for u, entries in zip(upstreams, found, strict=True)}

    async def actions(self, subjects: list[str] | None) -> list[dict[str, Any]]:
        """What people did, in every service's log, latest first (the newest 200 of each);
        with `subjects`, membership's of those agencies and the others' in full (the caller
        filters them). A service that does not answer is left out, and named in `missing`."""
        membership = self.agency_actions(subjects)

        async def read(upstream: Upstream) -> list[dict[str, Any]] | None:
            try:
                answer = await upstream.call(
                    "GET", "/audit-log", params={"limit": "200"}, headers=self._console()
                )
            except (Unavailable, Refused) as exc:
                log.warning("actions not given", service=upstream.name, error=str(exc))
                return None
            return answer.json()["actions"]

        others = [u for u in self._upstreams() if u is not self.membership]
        found = await asyncio.gather(membership, *(read(u) for u in others))
        merged = [
            {**a, "service": name}
            for name, listed in zip(["membership", *(u.name for u in others)], found, strict=True)
            for a in listed or []
        ]
        return sorted(merged, key=lambda a: a["at"], reverse=True)

    async def replay(self, service: str, ids: list[int], acting_for: str) -> dict[str, Any]:
        answer = await self.upstream(service).call(
            "POST", "/dlq/replay", json={"ids": ids}, headers=self._console(acting_for)
        )
        return answer.json()

    async def run_matching(self, acting_for: str) -> dict[str, Any]:
        answer = await self.mentoring.call(
            "POST", "/matching/run", headers=self._console(acting_for)
        )
        return answer.json()

    async def staff_only_vacancies(self, q: str = "") -> list[dict[str, Any]]:
        """The network's vacancies for its staff only, for a signed-in member of staff."""
        answer = await self.vacancies.call(
            "GET", "/staff/vacancies", params={"q": q} if q else None, headers=self._console()
        )
        return list(answer.json()["items"])

    async def staff_only_vacancy(self, code: str, vacancy_id: str) -> dict[str, Any] | None:
        answer = await self.vacancies.call(
            "GET",
            f"/staff/vacancies/{code}/{vacancy_id}",
            headers=self._console(),
            allow=(404, 422),
        )
        return None if answer.status_code != 200 else answer.json()

    # exchange: assignments and skills profiles for a signed-in member of staff (named to
    # exchange in X-Acting-For), the parties' links, and the coordinators' search

    async def assignments(self, person: str, skill: str | None = None) -> list[dict[str, Any]]:
        params = {"skill": skill} if skill else None
        answer = await self.exchange.call(
            "GET", "/assignments", params=params, headers=self._console(person)
        )
        return list(answer.json())

    async def assignment(self, person: str, code: str, assignment_id: str) -> dict[str, Any] | None:
        answer = await self.exchange.call(
            "GET",
            f"/assignments/{code}/{assignment_id}",
            headers=self._console(person),
            allow=(404, 422),
        )
        return None if answer.status_code != 200 else answer.json()

    async def say_interested(
        self, person: str, code: str, assignment_id: str, note: str, language: str
    ) -> tuple[bool, dict[str, Any]]:
        """(True, the interest) or (False, {code, detail}) when exchange refuses it."""
        answer = await self.exchange.call(
            "POST",
            f"/assignments/{code}/{assignment_id}/interests",
            json={"note": note, "language": language},
            headers=self._console(person),
            allow=(403, 404, 409, 422),
        )
        return answer.status_code == 201, answer.json()

    async def my_interests(self, person: str) -> list[dict[str, Any]]:
        answer = await self.exchange.call(
            "GET", "/interests", headers=self._console(person), allow=(403,)
        )
        return list(answer.json()) if answer.status_code == 200 else []

    async def _exchange_link(self, path: str, body: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        answer = await self.exchange.call("POST", path, json=body, allow=(400, 404, 409, 410, 422))
        if answer.status_code == 200:
            return True, answer.json()
        found = answer.json()
        return False, {"code": found.get("code") or "invalid"}

    async def assignment_link(self, token: str) -> tuple[bool, dict[str, Any]]:
        return await self._exchange_link("/links/assignment", {"token": token})

    async def answer_assignment_link(self, token: str, yes: bool) -> tuple[bool, dict[str, Any]]:
        body = {"token": token, "answer": "yes" if yes else "no"}
        return await self._exchange_link("/links/assignment/answer", body)

    async def host_assignments(self, code: str) -> list[dict[str, Any]]:
        answer = await self.exchange.call(
            "GET", "/assignments", params={"agency": code}, headers=self._console()
        )
        return list(answer.json())

    async def post_assignment(
        self, coordinator: str, code: str, body: dict[str, Any]
    ) -> tuple[bool, dict[str, Any]]:
        answer = await self.exchange.call(
            "POST",
            f"/assignments/{code}",
            json=body,
            headers=self._console(coordinator),
            allow=(409, 422),
        )
        return answer.status_code == 201, answer.json()

    async def withdraw_assignment(self, coordinator: str, code: str, assignment_id: str) -> bool:
        answer = await self.exchange.call(
            "POST",
            f"/assignments/{code}/{assignment_id}/withdraw",
            headers=self._console(coordinator),
            allow=(404, 409),
        )
        return answer.status_code == 200

    # notify: a signed-in member of staff's internal alerts (the site's notify:relay token)

    def _staff_headers(self, person: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.notify_token}", "X-Acting-For": person}

    async def staff_alerts(self, person: str) -> list[dict[str, Any]]:
        answer = await self.notify.call("GET", "/staff-alerts", headers=self._staff_headers(person))
        return list(answer.json())

    async def add_staff_alert(self, person: str, body: dict[str, Any]) -> bool:
        """False when the person keeps as many as they may."""
        answer = await self.notify.call(
            "POST", "/staff-alerts", json=body, headers=self._staff_headers(person), allow=(409,)
        )
        return answer.status_code == 201

    async def remove_staff_alert(self, person: str, alert_id: str) -> None:
        await self.notify.call(
            "DELETE",
            f"/staff-alerts/{alert_id}",
            headers=self._staff_headers(person),
            allow=(404, 422),
        )

    async def skills(self) -> list[str]:
        return list((await self.exchange.call("GET", "/skills", headers=self._console())).json())

    async def my_profile(self, person: str) -> dict[str, Any] | None:
        answer = await self.exchange.call(
            "GET", "/profile", headers=self._console(person), allow=(403, 404)
        )
        return answer.json() if answer.status_code == 200 else None

    async def save_profile(self, person: str, profile: dict[str, Any]) -> dict[str, Any]:
        answer = await self.exchange.call(
            "PUT", "/profile", json=profile, headers=self._console(person)
        )
        return dict(answer.json())

    async def remove_profile(self, person: str) -> None:
        await self.exchange.call("DELETE", "/profile", headers=self._console(person))

    async def search_profiles(
        self, coordinator: str, skills: list[str], language: str | None, open_to: str | None
    ) -> list[dict[str, Any]]:
        params: list[tuple[str, str]] = [("skill", s) for s in skills]
        if language:
            params.append(("language", language))
        if open_to:
            params.append(("open_to", open_to))
        answer = await self.exchange.call(
            "GET", "/profiles", params=params, headers=self._console(coordinator)
        )
        return list(answer.json())

    # outreach, for the console: open events and campaigns planned in a coordinator's name

    async def plan_open_event(self, body: dict[str, Any], acting_for: str) -> dict[str, Any]:
        """Raises Refused with outreach's reason when it will not take the plan."""
        answer = await self.outreach.call(
            "POST", "/open-events", json=body, headers=self._console(acting_for)
        )
        return answer.json()

    async def cancel_open_event(self, event_id: str, acting_for: str) -> None:
        await self.outreach.call(
            "POST", f"/open-events/{event_id}/cancel", headers=self._console(acting_for)
        )

    async def campaigns(self) -> list[dict[str, Any]]:
        answer = await self.outreach.call("GET", "/campaigns", headers=self._console())
        return answer.json()

    async def plan_campaign(self, body: dict[str, Any], acting_for: str) -> str:
        answer = await self.outreach.call(
            "POST", "/campaigns", json=body, headers=self._console(acting_for)
        )
        return str(answer.json()["id"])

    async def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        """The campaign and its figures; None for no such campaign."""
        found = await self.outreach.call(
            "GET", f"/campaigns/{campaign_id}", headers=self._console(), allow=(404, 422)
        )
        if found.status_code != 200:
            return None
        answer = found.json()
        return {**answer.pop("campaign"), "figures": answer}

    async def campaign_audience(self, campaign_id: str) -> int | None:
        """How many it would reach now; None when notify cannot say."""
        try:
            answer = await self.outreach.call(
                "GET", f"/campaigns/{campaign_id}/audience", headers=self._console()
            )
        except (Unavailable, Refused):
            return None
        return int(answer.json()["count"])

    async def campaign_action(self, campaign_id: str, action: str, acting_for: str) -> None:
        """`schedule` or `cancel`; raises Refused with outreach's reason."""
        await self.outreach.call(
            "POST", f"/campaigns/{campaign_id}/{action}", headers=self._console(acting_for)
        )

    async def bounced_work_addresses(self) -> list[dict[str, Any]] | None:
        try:
            answer = await self.notify.call(
                "GET", "/suppressions", params={"limit": "1000"}, headers=self._console()
            )
        except (Unavailable, Refused) as exc:
            log.warning("suppressions not given", error=str(exc))
            return None
        return [s for s in answer.json() if s.get("kind") == "work"]

    async def lift_suppression(self, email: str, acting_for: str) -> None:
        await self.notify.call(
            "DELETE",
            "/suppressions",
            params={"email": email},
            headers=self._console(acting_for),
            allow=(404,),  # lifted already: what was asked is done
        )

    # vacancies

    async def search(self, params: dict[str, Any]) -> dict[str, Any]:
        response = await self.vacancies.call("GET", "/vacancies", params=params, allow=(422,))
        if response.status_code == 422:  # a stale cursor: start the search over
            params = {k: v for k, v in params.items() if k != "cursor"}
            response = await self.vacancies.call("GET", "/vacancies", params=params)
        return response.json()

    async def vacancy(self, code: str, vacancy_id: str) -> dict[str, Any] | None:
        response = await self.vacancies.call(
            "GET", f"/vacancies/{code}/{vacancy_id}", allow=(404, 422)
        )
        return None if response.status_code != 200 else response.json()

    async def stats(self) -> dict[str, Any]:
        """Open vacancies in all and per agency, field and target group."""
        answer: dict[str, Any] = (await self.vacancies.call("GET", "/stats")).json()
        return answer

    async def open_count(self) -> int:
        return int((await self.vacancies.call("GET", "/stats")).json()["open"])

    async def feed(self) -> bytes:
        return (await self.vacancies.call("GET", "/vacancies/feed.atom")).content

    # notify

    async def subscribe(self, body: dict[str, Any], client: str) -> None:
        """`client`: the person's address, which notify counts sign-ups under when the site
        holds a token with the right notify:relay."""
        headers = (
            {"Authorization": f"Bearer {self.notify_token}", "X-Client-Address": client}
            if self.notify_token
            else None
        )
        await self.notify.call("POST", "/subscriptions", json=body, headers=headers)

    async def confirm(self, token: str) -> dict[str, Any] | None:
        """None when the link is not (or no longer) valid."""
        response = await self.notify.call(
            "POST", "/subscriptions/confirm", json={"token": token}, allow=(400, 422)
        )
        return None if response.status_code != 200 else response.json()

    async def unsubscribe(self, token: str) -> bool:
        """False when the link is not (or no longer) valid."""
        response = await self.notify.call(
            "POST", "/unsubscribe", params={"token": token}, allow=(400, 422)
        )
        return response.status_code == 200

    async def stop_news(self, token: str) -> bool:
        """False when the link is not (or no longer) valid."""
        response = await self.notify.call(
            "POST", "/unsubscribe/news", params={"token": token}, allow=(400, 422)
        )
        return response.status_code == 200

    async def campaign_visit(self, campaign_id: str) -> str | None:
        """The campaign's link, its visit counted; None for no such campaign."""
        answer = await self.outreach.call(
            "POST", f"/campaigns/{campaign_id}/visits", allow=(404, 422)
        )
        return None if answer.status_code != 200 else str(answer.json()["link"])

    async def preferences(self, token: str) -> dict[str, Any] | None:
        """None when the token is not (or no longer) valid."""
        response = await self.notify.call(
            "GET", "/preferences", headers=_manage(token), allow=(401, 422)
        )
        return None if response.status_code != 200 else response.json()

    async def add_search(self, token: str, body: dict[str, Any]) -> None:
        await self.notify.call("POST", "/preferences/searches", headers=_manage(token), json=body)

    async def change_search(self, token: str, search_id: str, body: dict[str, Any]) -> None:
        await self.notify.call(
            "PUT", f"/preferences/searches/{search_id}", headers=_manage(token), json=body
        )

    async def remove_search(self, token: str, search_id: str) -> None:
        await self.notify.call(
            "DELETE", f"/preferences/searches/{search_id}", headers=_manage(token)
        )

    async def stop_all(self, token: str) -> None:
        await self.notify.call("POST", "/preferences/unsubscribe", headers=_manage(token))

    async def erase(self, token: str) -> None:
        await self.notify.call("DELETE", "/preferences", headers=_manage(token))

    async def set_news(self, token: str, news: bool) -> None:
        await self.notify.call(
            "PUT", "/preferences/news", json={"news": news}, headers=_manage(token)
        )

    # mentoring: a person's own answer and check-in links

    async def _link(self, path: str, body: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        """(True, the answer) or (False, {code, message}) when the link is refused."""
        answer = await self.mentoring.call("POST", path, json=body, allow=(400, 422))
        if answer.status_code == 200:
            return True, answer.json()
        detail = answer.json().get("detail")
        return False, detail if isinstance(detail, dict) else {"code": "invalid"}

    async def proposal(self, token: str) -> tuple[bool, dict[str, Any]]:
        return await self._link("/links/proposal", {"token": token})

    async def answer_proposal(self, token: str, accept: bool) -> tuple[bool, dict[str, Any]]:
        body = {"token": token, "answer": "accept" if accept else "decline"}
        return await self._link("/links/answer", body)

    async def checkin(self, token: str) -> tuple[bool, dict[str, Any]]:
        return await self._link("/links/checkin", {"token": token})

    async def record_checkin(self, body: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        return await self._link("/links/checkin/answer", body)

    # trainings

    async def sessions(self) -> list[dict[str, Any]]:
        return (await self.trainings.call("GET", "/sessions")).json()

    async def session(self, session_id: str) -> dict[str, Any] | None:
        answer = await self.trainings.call("GET", f"/sessions/{session_id}", allow=(404, 422))
        return None if answer.status_code != 200 else answer.json()

    async def register(self, session_id: str, body: dict[str, Any]) -> None:
        """Raises Refused with trainings' reason when it will not take the registration."""
        await self.trainings.call("POST", f"/sessions/{session_id}/registrations", json=body)

    async def registration(
        self, action: str, token: str, *, act: bool = False
    ) -> tuple[bool, dict[str, Any]]:
        """A person's own link (`confirm` or `cancel`): what it shows, or (with `act`) what it
        did. (False, {code, message}) when the link is refused."""
        answer = await self.trainings.call(
            "POST" if act else "GET",
            f"/registrations/{action}",
            params={"token": token},
            allow=(400, 404, 409, 422),
        )
        if answer.status_code == 200:
            return True, answer.json()
        detail = answer.json().get("detail")
        if isinstance(detail, dict):
            return False, detail
        return False, {"code": "closed" if answer.status_code == 409 else "forged"}

    # outreach

    async def open_events(self, target_group: str | None = None) -> list[dict[str, Any]]:
        """Open events not over yet and not cancelled, soonest first."""
        params = {"target_group": target_group} if target_group else None
        answer: list[dict[str, Any]] = (
            await self.outreach.call("GET", "/open-events", params=params)
        ).json()
        return answer

    async def open_event(self, event_id: str) -> dict[str, Any] | None:
        answer = await self.outreach.call("GET", f"/open-events/{event_id}", allow=(404, 422))
        return None if answer.status_code != 200 else answer.json()

    async def register_for_event(self, event_id: str, body: dict[str, Any]) -> None:
        """Raises Refused with outreach's reason when it will not take the registration."""
        await self.outreach.call("POST", f"/open-events/{event_id}/registrations", json=body)

    async def event_registration(
        self, action: str, token: str, *, act: bool = False
    ) -> tuple[bool, dict[str, Any]]:
        """A registrant's own link (`confirm` or `cancel`): what it shows, or (with `act`) what
        it did. (False, {code, message}) when the link is refused."""
        answer = await self.outreach.call(
            "POST" if act else "GET",
            f"/registrations/{action}",
            params={"token": token},
            allow=(400, 404, 409, 422),
        )
        if answer.status_code == 200:
            return True, answer.json()
        detail = answer.json().get("detail")
        if isinstance(detail, dict):
            return False, detail
        return False, {"code": "closed" if answer.status_code == 409 else "forged"}


def _manage(token: str) -> dict[str, str]:
    return {"X-Manage-Token": token}
