"""What each page needs, gathered from the services' APIs. A handler returns the values its
template shows (and, where a page can fail, what happened); it stores nothing."""

import asyncio
from dataclasses import dataclass
from typing import Any

from myndnet_web.adapters.services import Refused, Services
from myndnet_web.domain.alerts import AlertForm, problem_of
from myndnet_web.domain.mentorship import CheckinForm
from myndnet_web.domain.open_events import EventRegistrationForm, ics, shown
from myndnet_web.domain.open_events import registration_problem as event_registration_problem
from myndnet_web.domain.search import CHOICES, PAGE_SIZE, Search
from myndnet_web.domain.sitemap import sitemap_xml
from myndnet_web.domain.texts import VOCABULARY, Language, label
from myndnet_web.domain.trainings import RegistrationForm, when
from myndnet_web.domain.trainings import problem_of as registration_problem

SITEMAP_PAGE = 100  # the vacancies API's largest page


@dataclass(frozen=True)
class Page:
    template: str
    values: dict[str, Any]
    status: int = 200


STUDENT_LIST = 5

# What the state offers its staff, from public sources (named on the page): the collective
# agreements between Arbetsgivarverket and the unions, and the state's pension and job security
# bodies. Each: (the words' key, the source's name, its address).
STATE_EMPLOYMENT_FACTS = (
    ("fact_leave", "Arbetsgivarverket: Villkorsavtalen", "https://www.arbetsgivarverket.se"),
    ("fact_parents", "Arbetsgivarverket: Villkorsavtalen", "https://www.arbetsgivarverket.se"),
    ("fact_hours", "Arbetsgivarverket: Villkorsavtalen", "https://www.arbetsgivarverket.se"),
    ("fact_pension", "Statens tjänstepensionsverk (SPV): PA 16", "https://www.spv.se"),
    ("fact_security", "Trygghetsstiftelsen", "https://www.trygghetsstiftelsen.se"),
)


async def start(services: Services) -> Page:
    agencies, count = await asyncio.gather(services.agencies(), services.open_count())
    return Page("start.html.j2", {"agencies": agencies, "open_count": count})


def _options(
    facet: dict[str, int], values: list[tuple[str, str]], chosen: str
) -> list[dict[str, Any]]:
    """A filter's choices with how many of the found vacancies have each; the chosen one is
    always offered, also when none has it."""
    return [
        {"value": value, "label": text, "count": facet.get(value, 0), "chosen": value == chosen}
        for value, text in values
        if facet.get(value) or value == chosen
    ]


async def work_with_us(services: Services) -> Page:
    """The network as one employer: what the state offers its staff, and the agencies side by
    side with what each says of itself and its open vacancies."""
    agencies, stats = await asyncio.gather(services.agencies(fresh=True), services.stats())
    open_by_agency = stats.get("open_by_agency", {})
    return Page(
        "work_with_us.html.j2",
        {
            "agencies": agencies,
            "open_by_agency": open_by_agency,
            "open_count": stats.get("open", 0),
            "facts": STATE_EMPLOYMENT_FACTS,
        },
    )


async def students(services: Services, language: Language) -> Page:
    """Thesis topics, internships, summer jobs and trainee posts from the register, each with
    the way to all of them, the open events for students, and a saved search for students in
    one click."""
    kinds = ("thesis", "internship", "summer_job", "trainee")
    found, events = await asyncio.gather(
        asyncio.gather(
            *(
                services.search({"employment_type": kind, "limit": STUDENT_LIST, "facets": "true"})
                for kind in kinds
            )
        ),
        services.open_events(target_group="students"),
    )
    names = {a["code"]: a["name"] for a in await services.agencies()}
    sections = [
        {
            "kind": kind,
            "items": [
                {**v, "agency_name": v["agency_name"] or names.get(v["agency"])}
                for v in answer["items"]
            ],
            "total": int(answer.get("total", len(answer["items"]))),
            "search": Search(employment_type=kind),
        }
        for kind, answer in zip(kinds, found, strict=True)
    ]
    return Page(
        "students.html.j2",
        {
            "sections": sections,
            "alert": Search(target_group="students"),
            "events": [shown(e, language, names) for e in events],
        },
    )


async def open_events(services: Services, language: Language) -> Page:
    found, agencies = await asyncio.gather(services.open_events(), services.agencies())
    names = {a["code"]: a["name"] for a in agencies}
    return Page("open_events.html.j2", {"events": [shown(e, language, names) for e in found]})


async def open_event(
    services: Services,
    event_id: str,
    language: Language,
    form: EventRegistrationForm | None = None,
) -> Page:
    found = await services.open_event(event_id)
    if found is None:
        return Page("message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404)
    names = {a["code"]: a["name"] for a in await services.agencies(including=found["hosts"])}
    return Page(
        "open_event.html.j2",
        {"event": shown(found, language, names), "form": form or EventRegistrationForm()},
        400 if form is not None and form.errors else 200,
    )


async def register_for_event(
    services: Services, event_id: str, form: dict[str, str], language: Language
) -> Page | None:
    """None when outreach took the registration (a confirmation mail follows); else the page
    again with what is wrong."""
    answer = EventRegistrationForm.from_form(form)
    if not answer.errors:
        try:
            await services.register_for_event(event_id, answer.body())
            return None
        except Refused as exc:
            if exc.status == 404:
                return Page(
                    "message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404
                )
            where, what = event_registration_problem(exc.code)
            answer.errors[where] = what
    return await open_event(services, event_id, language, answer)


async def event_registration(
    services: Services, action: str, token: str, act: bool, language: Language
) -> Page:
    """A registrant's confirm or cancel link: what it shows (GET) or what it did (POST)."""
    ok, view = await services.event_registration(action, token, act=act)
    if not ok:
        code = view.get("code")
        text = {"expired": "training_link_expired", "closed": "event_link_closed"}
        return Page(
            "message.html.j2",
            {"title": "link_refused_title", "text": text.get(str(code), "link_forged")},
            400,
        )
    view = {**view, "event": shown(view["event"], language, {})}
    return Page(
        "event_registration.html.j2",
        {"token": token, "view": view, "action": action, "done": act},
    )


async def open_event_ics(
    services: Services, event_id: str, language: Language, url: str
) -> bytes | None:
    found = await services.open_event(event_id)
    return None if found is None else ics(found, language, url)


async def search(services: Services, wanted: Search, language: Language, path: str) -> Page:
    found = await services.search(wanted.api_params())
    facets = found.get("facets", {})
    agencies = await services.agencies(including=facets.get("agency", {}))
    names = {a["code"]: a["name"] for a in agencies}
    filters = {
        "agency": _options(
            facets.get("agency", {}), [(a["code"], a["name"]) for a in agencies], wanted.agency
        ),
        **{
            name: _options(
                facets.get(name, {}),
                [(value, label(name, value, language)) for value in VOCABULARY[name]],
                getattr(wanted, name),
            )
            for name in CHOICES
        },
    }
    items = [
        {**v, "agency_name": v["agency_name"] or names.get(v["agency"])} for v in found["items"]
    ]
    total = int(found.get("total", len(items)))
    return Page(
        "search.html.j2",
        {
            "search": wanted,
            "items": items,
            "total": total,
            "first": wanted.start + 1 if items else 0,
            "last": wanted.start + len(items),
            "filters": filters,
            "municipalities": list(facets.get("municipality", {}))[:200],
            "next_page": wanted.next_page(path, found.get("next_cursor"), len(items)),
            "first_page": wanted.link(path) if wanted.start else None,
        },
    )


async def vacancy(services: Services, code: str, vacancy_id: str) -> Page:
    found = await services.vacancy(code, vacancy_id)
    if found is None:
        return Page("message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404)
    if found["status"] != "open":
        return Page("gone.html.j2", {"vacancy": found}, 410)
    paragraphs = [p.strip() for p in found["description"].split("\n\n") if p.strip()]
    similar = Search(agency=found["agency"], occupation_field=found["occupation_field"])
    return Page(
        "vacancy.html.j2",
        {"vacancy": found, "paragraphs": paragraphs, "similar": similar},
    )


async def agency(services: Services, code: str) -> Page:
    found, listed = await asyncio.gather(
        services.agency(code),
        services.search({"agency": code, "limit": PAGE_SIZE, "facets": "true"}),
    )
    if found is None or found.get("status") == "left":
        return Page("message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404)
    return Page(
        "agency.html.j2",
        {
            "agency": found,
            "items": listed["items"],
            "total": listed.get("total", len(listed["items"])),
            "search": Search(agency=code),
        },
    )


async def sitemap(services: Services, base_url: str) -> bytes:
    """Every open vacancy's page, and the site's own pages."""
    pages: list[tuple[str, str | None]] = [
        (f"{base_url}{path}", None) for path in ("/", "/jobb", "/jobba-hos-oss", "/student")
    ]
    pages += [(f"{base_url}/myndigheter/{a['code']}", None) for a in await services.agencies()]
    params: dict[str, Any] = {"limit": SITEMAP_PAGE}
    while True:
        found = await services.search(params)
        pages += [
            (f"{base_url}/jobb/{v['agency']}/{v['vacancy_id']}", v["published_on"])
            for v in found["items"]
        ]
        if not found["next_cursor"]:
            return sitemap_xml(pages)
        params = {**params, "cursor": found["next_cursor"]}


async def subscribe(services: Services, alert: AlertForm, client: str) -> AlertForm:
    """Ask notify for the alert; returns the form with what is wrong, if anything."""
    if not alert.errors:
        try:
            await services.subscribe(alert.subscription(), client)
        except Refused as exc:
            where, what = problem_of(exc.status, exc.code)
            alert.errors[where] = what
    return alert


def invalid_link() -> Page:
    return Page(
        "message.html.j2", {"title": "invalid_link_title", "text": "invalid_link_text"}, 400
    )


async def confirm(services: Services, token: str) -> Page:
    confirmed = await services.confirm(token)
    if confirmed is None:
        return invalid_link()
    return Page("confirmed.html.j2", {"manage_token": confirmed["manage_token"]})


async def unsubscribe(services: Services, token: str) -> Page:
    if not await services.unsubscribe(token):
        return invalid_link()
    return Page("message.html.j2", {"title": "unsubscribed_title", "text": "unsubscribed_text"})


async def stop_news(services: Services, token: str) -> Page:
    if not await services.stop_news(token):
        return invalid_link()
    return Page("message.html.j2", {"title": "news_stopped_title", "text": "news_stopped_text"})


async def preference_centre(
    services: Services, token: str, done: str | None, adding: AlertForm | None = None
) -> Page:
    shown = await services.preferences(token)
    if shown is None:
        return invalid_link()
    searches = [
        {**s, "form": AlertForm.from_saved(s), "number": n}
        for n, s in enumerate(shown["searches"], start=1)
    ]
    agencies = await services.agencies()
    return Page(
        "manage.html.j2",
        {
            "token": token,
            "searches": searches,
            "suppressed": shown["suppressed"],
            "news": shown.get("news", False),
            "done": done,
            "adding": adding or AlertForm(),
            "agencies": agencies,
        },
        400 if adding is not None and adding.errors else 200,
    )


ACTIONS = (
    "change",
    "pause",
    "resume",
    "remove",
    "add",
    "stop_all",
    "news_yes",
    "news_no",
    "erase",
)


async def change_alerts(
    services: Services, token: str, action: str, search_id: str, alert: AlertForm
) -> str | AlertForm | Page:
    """One action of the preference centre: what is done (for the page's message), the form
    with what is wrong in it, or the page saying the link no longer works (expired, erased,
    or a search that is not this address's)."""
    if action in ("change", "add") and alert.errors:
        return alert
    try:
        if action == "change":
            await services.change_search(token, search_id, alert.saved_search())
        elif action in ("pause", "resume"):
            await services.change_search(
                token, search_id, {**alert.saved_search(), "paused": action == "pause"}
            )
        elif action == "remove":
            await services.remove_search(token, search_id)
        elif action == "add":
            await services.add_search(token, alert.saved_search())
        elif action == "stop_all":
            await services.stop_all(token)
        elif action in ("news_yes", "news_no"):
            await services.set_news(token, action == "news_yes")
        elif action == "erase":
            await services.erase(token)
    except Refused as exc:
        if action in ("change", "add") and problem_of(exc.status, exc.code)[1] == "too_broad":
            alert.errors["agency"] = "too_broad"
            return alert
        return invalid_link()
    return {
        "change": "changed",
        "pause": "paused",
        "resume": "resumed",
        "remove": "removed",
        "add": "added",
        "stop_all": "stopped",
        "news_yes": "news_given",
        "news_no": "news_withdrawn",
        "erase": "erased",
    }[action]


# -- mentorship: a person's own links -----------------------------------------------------------


def _refused(refusal: dict[str, Any]) -> Page:
    code = refusal.get("code", "invalid")
    known = ("expired", "used", "closed", "forged", "purpose")
    return Page(
        "message.html.j2",
        {"title": "link_refused_title", "text": f"link_{code if code in known else 'forged'}"},
        400,
    )


async def _with_agency_name(services: Services, view: dict[str, Any]) -> dict[str, Any]:
    names = {a["code"]: a["name"] for a in await services.agencies()}
    other = view["other"]
    return {**view, "other": {**other, "agency_name": names.get(other["agency"], other["agency"])}}


async def proposal(services: Services, token: str) -> Page:
    ok, view = await services.proposal(token)
    if not ok:
        return _refused(view)
    return Page(
        "proposal.html.j2", {"token": token, "view": await _with_agency_name(services, view)}
    )


async def answer_proposal(services: Services, token: str, accept: bool) -> Page:
    ok, view = await services.answer_proposal(token, accept)
    if not ok:
        return _refused(view)
    view = await _with_agency_name(services, view)
    return Page("proposal_answered.html.j2", {"view": view, "accepted": accept})


async def checkin(services: Services, token: str, answer: CheckinForm | None = None) -> Page:
    ok, view = await services.checkin(token)
    if not ok:
        return _refused(view)
    status = 400 if answer is not None and answer.errors else 200
    return Page(
        "checkin.html.j2",
        {"token": token, "view": view, "answer": answer or CheckinForm()},
        status,
    )


async def record_checkin(services: Services, token: str, answer: CheckinForm) -> Page:
    if answer.errors:
        return await checkin(services, token, answer)
    ok, view = await services.record_checkin(answer.body(token))
    if not ok:
        return _refused(view)
    return Page("message.html.j2", {"title": "checkin_thanks_title", "text": "checkin_thanks_text"})


# -- joint trainings ---------------------------------------------------------------------------


async def _names(services: Services) -> dict[str, str]:
    return {a["code"]: a["name"] for a in await services.agencies()}


def _shown(session: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {
        **session,
        **when(session),
        "host_name": names.get(session["host_agency"], session["host_agency"]),
        "agencies": [
            {**a, "name": names.get(a["agency"], a["agency"])}
            for a in session.get("agencies", [])
            if a["agency"] in names  # an agency that left is no longer shown
        ],
    }


async def trainings(services: Services) -> Page:
    sessions, names = await asyncio.gather(services.sessions(), _names(services))
    return Page("trainings.html.j2", {"sessions": [_shown(s, names) for s in sessions]})


async def registerable(services: Services) -> dict[str, dict[str, Any]]:
    """The agencies whose staff can register: those that told the network their domains."""
    return {a["code"]: a for a in await services.agencies() if a.get("email_domains")}


async def training(
    services: Services, session_id: str, form: RegistrationForm | None = None
) -> Page:
    found, agencies, names = await asyncio.gather(
        services.session(session_id), registerable(services), _names(services)
    )
    if found is None:
        return Page("message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404)
    return Page(
        "training.html.j2",
        {
            "session": _shown(found, names),
            "form": form or RegistrationForm(),
            "agencies": sorted(agencies.values(), key=lambda a: a["name"].casefold()),
        },
        400 if form is not None and form.errors else 200,
    )


async def register_for_training(
    services: Services, session_id: str, form: dict[str, str]
) -> Page | None:
    """None when trainings took the registration (a confirmation mail follows); else the page
    again with what is wrong."""
    answer = RegistrationForm.from_form(form, await registerable(services))
    if not answer.errors:
        try:
            await services.register(session_id, answer.body())
            return None
        except Refused as exc:
            if exc.status == 404:
                return Page(
                    "message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404
                )
            where, what = registration_problem(exc.status, exc.code)
            answer.errors[where] = what
    return await training(services, session_id, answer)


async def registration(services: Services, action: str, token: str, act: bool) -> Page:
    """A person's confirm or cancel link: what it shows (GET) or what it did (POST)."""
    ok, view = await services.registration(action, token, act=act)
    if not ok:
        code = view.get("code")
        text = {"expired": "training_link_expired", "closed": "training_link_closed"}
        return Page(
            "message.html.j2",
            {"title": "link_refused_title", "text": text.get(str(code), "link_forged")},
            400,
        )
    names = await _names(services)
    view = {**view, "session": _shown(view["session"], names)}
    return Page(
        "registration.html.j2",
        {"token": token, "view": view, "action": action, "done": act},
    )
