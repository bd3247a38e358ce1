"""The site's addresses: each translates a request into a handler's call and renders what it
returns. Swedish at the root, English under /en/, the same paths in both."""

import re
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from myndnet_kit.i18n import install
from myndnet_kit.web import script_json
from myndnet_schemas.clock import stockholm_today
from myndnet_schemas.topics import AGENCY_CODE_RE

from myndnet_web.adapters.services import Services, Unavailable
from myndnet_web.domain.alerts import AlertForm
from myndnet_web.domain.console import AgencyForm
from myndnet_web.domain.exchange_forms import InterestForm
from myndnet_web.domain.mentorship import CheckinForm
from myndnet_web.domain.search import Search
from myndnet_web.domain.sitemap import robots_txt
from myndnet_web.domain.staff import (
    COOKIE,
    CSRF_FIELD,
    SESSION_SECONDS,
    SignInForm,
    Staff,
    cookie_value,
    csrf_token,
    csrf_valid,
    session_of,
)
from myndnet_web.domain.texts import CATALOGUES, LANGUAGES, VOCABULARY, Language, label
from myndnet_web.handlers import console as console_pages
from myndnet_web.handlers import exchange as exchange_pages
from myndnet_web.handlers import site as handlers
from myndnet_web.handlers import staff as staff_pages

TEMPLATES = FilePath(__file__).resolve().parent / "templates"
MAX_FORM_BYTES = 20_000
# What notify's links carry (secrets.token_urlsafe); anything else is no link of ours.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{10,100}$")
SEARCH_ID = re.compile(r"^s-[0-9a-f]{1,40}$")  # notify's saved searches
SIGNED_LINK = re.compile(r"^[A-Za-z0-9_-]{10,400}\.[A-Za-z0-9_-]{10,40}$")  # mentoring's
Code = Annotated[str, Path(pattern=AGENCY_CODE_RE.pattern)]
VacancyId = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
SessionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
KeyId = Annotated[str, Path(pattern=r"^[a-z0-9]{8,32}$")]  # membership's HTTP keys
OPEN_EVENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
OpenEventId = Annotated[str, Path(pattern=OPEN_EVENT_ID.pattern)]  # outreach's


class Renderer:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        # One environment a language, each with its catalogue's words (`t`, `_`, `ngettext`).
        self.environments = {language: _environment(language) for language in LANGUAGES}

    def render(self, request: Request, language: Language, page: handlers.Page) -> HTMLResponse:
        home = "/en" if language == "en" else ""
        path = request.url.path
        other = other_language_path(path, language)
        query = request.url.query
        values: dict[str, Any] = {
            **page.values,
            "language": language,
            "home": home,
            "base_url": self.base_url,
            "path": path,
            "other_language_url": f"{other}?{query}" if query else other,
            "label": lambda vocabulary, value: label(vocabulary, value, language),
            "choices": lambda name, chosen, agencies=(): choices(name, chosen, language, agencies),
        }
        environment = self.environments[language]
        values["t"] = environment.globals["gettext"]  # what the templates call their words
        html = environment.get_template(page.template).render(values)
        return HTMLResponse(html, status_code=page.status)


# Pages whose English address is not the Swedish one under /en/ (the contract names them).
ENGLISH_PATHS = {"/jobba-hos-oss": "/work-with-us", "/student": "/students"}
SWEDISH_PATHS = {english: swedish for swedish, english in ENGLISH_PATHS.items()}


def other_language_path(path: str, language: Language) -> str:
    """The same page in the other language."""
    if language == "en":
        own = path.removeprefix("/en") or "/"
        return SWEDISH_PATHS.get(own, own)
    return f"/en{ENGLISH_PATHS.get(path, path)}".rstrip("/")


def _environment(language: Language) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install(environment, CATALOGUES[language])
    environment.filters["script_json"] = script_json
    environment.globals["vocabulary"] = VOCABULARY
    return environment


def choices(name: str, chosen: str, language: Language, agencies: Any = ()) -> list[dict[str, Any]]:
    """A form's choices for one filter, without counts (a saved search's form)."""
    if name == "agency":
        values = [(a["code"], a["name"]) for a in agencies]
    else:
        values = [(v, label(name, v, language)) for v in VOCABULARY[name]]
    return [
        {"value": value, "label": text, "count": None, "chosen": value == chosen}
        for value, text in values
    ]


def _services(request: Request) -> Services:
    return request.app.state.services


def _render(request: Request, language: Language, page: handlers.Page) -> HTMLResponse:
    renderer: Renderer = request.app.state.renderer
    return renderer.render(request, language, page)


def _language_of(request: Request) -> Language:
    return "en" if request.url.path == "/en" or request.url.path.startswith("/en/") else "sv"


async def unavailable(request: Request, exc: Exception) -> HTMLResponse:
    page = handlers.Page(
        "message.html.j2", {"title": "unavailable_title", "text": "unavailable_text"}, 503
    )
    response = _render(request, _language_of(request), page)
    response.headers["Retry-After"] = "30"
    return response


async def not_found(request: Request, exc: Exception) -> HTMLResponse:
    page = handlers.Page(
        "message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404
    )
    return _render(request, _language_of(request), page)


async def _pairs(request: Request) -> list[tuple[str, str]]:
    """A form's fields in order, a checkbox's once per value checked."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return []
    return parse_qsl(body.decode("utf-8", "replace"), max_num_fields=200)


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    return dict(parse_qsl(body.decode("utf-8", "replace"), max_num_fields=50))


def site(language: Language) -> APIRouter:
    home = "/en" if language == "en" else ""
    router = APIRouter(prefix=home, include_in_schema=False)

    def render(request: Request, page: handlers.Page) -> HTMLResponse:
        return _render(request, language, page)

    @router.get("/" if not home else "", response_class=HTMLResponse)
    async def start(request: Request) -> HTMLResponse:
        return render(request, await handlers.start(_services(request)))

    @router.get("/work-with-us" if language == "en" else "/jobba-hos-oss")
    async def work_with_us(request: Request) -> HTMLResponse:
        return render(request, await handlers.work_with_us(_services(request)))

    @router.get("/students" if language == "en" else "/student")
    async def students(request: Request) -> HTMLResponse:
        return render(request, await handlers.students(_services(request), language))

    if language == "en":  # the Swedish addresses under /en/ lead to the English pages

        @router.get("/jobba-hos-oss", include_in_schema=False)
        async def work_with_us_in_swedish() -> RedirectResponse:
            return RedirectResponse("/en/work-with-us", status_code=308)

        @router.get("/student", include_in_schema=False)
        async def students_in_swedish() -> RedirectResponse:
            return RedirectResponse("/en/students", status_code=308)

    @router.get("/evenemang", response_class=HTMLResponse)
    async def open_events(request: Request) -> HTMLResponse:
        return render(request, await handlers.open_events(_services(request), language))

    # A registrant's own links come first: their paths would also read as an event's id.
    for path, action in (("bekrafta", "confirm"), ("avboka", "cancel")):
        router.add_api_route(
            f"/evenemang/{path}",
            _event_registration_link(render, action, language, act=False),
            methods=["GET"],
            response_class=HTMLResponse,
        )
        router.add_api_route(
            f"/evenemang/{path}",
            _event_registration_link(render, action, language, act=True),
            methods=["POST"],
            response_class=HTMLResponse,
        )

    @router.get("/evenemang/{event_id}.ics")
    async def open_event_ics(request: Request, event_id: OpenEventId) -> Response:
        url = f"{request.app.state.base_url}{home}/evenemang/{event_id}"
        body = await handlers.open_event_ics(_services(request), event_id, language, url)
        if body is None:
            return render(
                request,
                handlers.Page(
                    "message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404
                ),
            )
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{event_id}.ics"'},
        )

    @router.get("/evenemang/{event_id}", response_class=HTMLResponse)
    async def open_event(request: Request, event_id: OpenEventId) -> HTMLResponse:
        return render(request, await handlers.open_event(_services(request), event_id, language))

    @router.post("/evenemang/{event_id}", response_class=HTMLResponse)
    async def register_for_event(request: Request, event_id: OpenEventId) -> Response:
        form = await _form(request)
        page = await handlers.register_for_event(_services(request), event_id, form, language)
        if page is not None:
            return render(request, page)
        return RedirectResponse(f"{home}/evenemang/{event_id}/skickat", status_code=303)

    @router.get("/evenemang/{event_id}/skickat", response_class=HTMLResponse)
    async def event_registration_sent(request: Request, event_id: OpenEventId) -> HTMLResponse:
        page = handlers.Page("message.html.j2", {"title": "sent_title", "text": "event_sent_text"})
        return render(request, page)

    @router.get("/jobb", response_class=HTMLResponse)
    async def search(request: Request) -> HTMLResponse:
        wanted = Search.from_query(dict(request.query_params))
        page = await handlers.search(_services(request), wanted, language, f"{home}/jobb")
        return render(request, page)

    @router.get("/jobb/{code}/{vacancy_id}", response_class=HTMLResponse)
    async def vacancy(request: Request, code: Code, vacancy_id: VacancyId) -> HTMLResponse:
        return render(request, await handlers.vacancy(_services(request), code, vacancy_id))

    @router.get("/myndigheter/{code}", response_class=HTMLResponse)
    async def agency(request: Request, code: Code) -> HTMLResponse:
        return render(request, await handlers.agency(_services(request), code))

    @router.get("/bevakning", response_class=HTMLResponse)
    async def subscribe_form(request: Request) -> HTMLResponse:
        alert = AlertForm.from_search(Search.from_query(dict(request.query_params)), language)
        return render(request, await _subscribe_page(request, alert))

    @router.post("/bevakning", response_class=HTMLResponse)
    async def subscribe(request: Request) -> Response:
        alert = AlertForm.from_form(await _form(request), with_email=True)
        client = request.client.host if request.client else "unknown"
        alert = await handlers.subscribe(_services(request), alert, client)
        if alert.errors:
            return render(request, await _subscribe_page(request, alert, status=400))
        return RedirectResponse(f"{home}/bevakning/skickat", status_code=303)

    @router.get("/bevakning/skickat", response_class=HTMLResponse)
    async def subscribed(request: Request) -> HTMLResponse:
        page = handlers.Page("message.html.j2", {"title": "sent_title", "text": "sent_text"})
        return render(request, page)

    @router.get("/bevakning/bekrafta", response_class=HTMLResponse)
    async def confirm(request: Request, token: str = "") -> HTMLResponse:
        if not TOKEN.fullmatch(token):
            return render(request, handlers.invalid_link())
        return render(request, await handlers.confirm(_services(request), token))

    @router.get("/bevakning/bekraftad", response_class=HTMLResponse)
    async def confirmed(request: Request, token: str = "") -> HTMLResponse:
        """Where notify's own confirmation link leads once it has confirmed (`token`: the
        address's preference centre)."""
        if not TOKEN.fullmatch(token):
            return render(request, handlers.invalid_link())
        return render(request, handlers.Page("confirmed.html.j2", {"manage_token": token}))

    @router.get("/bevakning/avsluta", response_class=HTMLResponse)
    async def unsubscribe_form(request: Request, token: str = "") -> HTMLResponse:
        """An alert's unsubscribe link (notify's, which leads here): a button, since mail
        scanners follow links; nothing changes until it is pressed."""
        if not TOKEN.fullmatch(token):
            return render(request, handlers.invalid_link())
        return render(request, handlers.Page("unsubscribe.html.j2", {"token": token}))

    @router.post("/bevakning/avsluta", response_class=HTMLResponse)
    async def unsubscribe(request: Request, token: str = "") -> HTMLResponse:
        if not TOKEN.fullmatch(token):
            return render(request, handlers.invalid_link())
        return render(request, await handlers.unsubscribe(_services(request), token))

    @router.get("/nyheter/avsluta", response_class=HTMLResponse)
    async def stop_news_form(request: Request, token: str = "") -> HTMLResponse:
        """A campaign mail's link to stop news (notify's, which leads here): a button."""
        if not TOKEN.fullmatch(token):
            return render(request, handlers.invalid_link())
        return render(request, handlers.Page("stop_news.html.j2", {"token": token}))

    @router.post("/nyheter/avsluta", response_class=HTMLResponse)
    async def stop_news(request: Request, token: str = "") -> HTMLResponse:
        if not TOKEN.fullmatch(token):
            return render(request, handlers.invalid_link())
        return render(request, await handlers.stop_news(_services(request), token))

    @router.get("/kampanj/{campaign_id}")
    async def campaign_link(request: Request, campaign_id: OpenEventId) -> Response:
        """A campaign mail's link: the visit is counted by outreach (a number, nothing about
        the visitor: no cookie, no pixel) and the person goes on to the campaign's page."""
        link = await _services(request).campaign_visit(campaign_id)
        if link is None:
            page = handlers.Page(
                "message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404
            )
            return render(request, page)
        response = RedirectResponse(link, status_code=303)
        response.headers["Cache-Control"] = "no-store"  # every visit reaches the count
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @router.get("/bevakning/hantera", response_class=HTMLResponse)
    async def preference_centre(request: Request, token: str = "", klart: str = "") -> Response:
        if not TOKEN.fullmatch(token):
            return render(request, handlers.invalid_link())
        done = klart if f"done_{klart}" in _DONE else None
        page = await handlers.preference_centre(_services(request), token, done)
        response = render(request, page)
        response.headers["Referrer-Policy"] = "no-referrer"  # the token stays here
        return response

    @router.post("/bevakning/hantera", response_class=HTMLResponse)
    async def change_alerts(request: Request) -> Response:
        form = await _form(request)
        token, action = form.get("token", ""), form.get("action", "")
        if not TOKEN.fullmatch(token) or action not in (*handlers.ACTIONS, "erase_asked"):
            return render(request, handlers.invalid_link())
        if action == "erase_asked":  # one more step: erasing cannot be undone
            return render(request, handlers.Page("erase.html.j2", {"token": token}))
        search_id = form.get("search_id", "")
        if action in ("change", "pause", "resume", "remove") and not SEARCH_ID.fullmatch(search_id):
            return render(request, handlers.invalid_link())
        alert = AlertForm.from_form(form, with_email=False)
        outcome = await handlers.change_alerts(_services(request), token, action, search_id, alert)
        if isinstance(outcome, handlers.Page):
            return render(request, outcome)
        if isinstance(outcome, AlertForm):
            page = await handlers.preference_centre(_services(request), token, None, outcome)
            return render(request, page)
        if outcome == "erased":
            page = handlers.Page(
                "message.html.j2", {"title": "erased_title", "text": "erased_text"}
            )
            return render(request, page)
        query = urlencode({"token": token, "klart": outcome})
        return RedirectResponse(f"{home}/bevakning/hantera?{query}", status_code=303)

    @router.get("/mentorskap/svar", response_class=HTMLResponse)
    async def proposal(request: Request, token: str = "") -> HTMLResponse:
        """The proposal as the person the link was made for sees it; a GET changes nothing."""
        if not SIGNED_LINK.fullmatch(token):
            return render(request, handlers.invalid_link())
        return _private(render(request, await handlers.proposal(_services(request), token)))

    @router.post("/mentorskap/svar", response_class=HTMLResponse)
    async def answer_proposal(request: Request) -> HTMLResponse:
        form = await _form(request)
        token, answer = form.get("token", ""), form.get("answer", "")
        if not SIGNED_LINK.fullmatch(token) or answer not in ("accept", "decline"):
            return render(request, handlers.invalid_link())
        page = await handlers.answer_proposal(_services(request), token, answer == "accept")
        return _private(render(request, page))

    @router.get("/mentorskap/uppfoljning", response_class=HTMLResponse)
    async def checkin(request: Request, token: str = "") -> HTMLResponse:
        if not SIGNED_LINK.fullmatch(token):
            return render(request, handlers.invalid_link())
        return _private(render(request, await handlers.checkin(_services(request), token)))

    @router.post("/mentorskap/uppfoljning", response_class=HTMLResponse)
    async def record_checkin(request: Request) -> HTMLResponse:
        form = await _form(request)
        token = form.get("token", "")
        if not SIGNED_LINK.fullmatch(token):
            return render(request, handlers.invalid_link())
        answer = CheckinForm.from_form(form)
        page = await handlers.record_checkin(_services(request), token, answer)
        return _private(render(request, page))

    # Joint trainings. The person's own links come first: their paths would also read as a
    # session's id.
    @router.get("/utbildningar", response_class=HTMLResponse)
    async def trainings(request: Request) -> HTMLResponse:
        return render(request, await handlers.trainings(_services(request)))

    for path, action in (("bekrafta", "confirm"), ("avboka", "cancel")):
        router.add_api_route(
            f"/utbildningar/{path}",
            _registration_link(render, action, act=False),
            methods=["GET"],
            response_class=HTMLResponse,
        )
        router.add_api_route(
            f"/utbildningar/{path}",
            _registration_link(render, action, act=True),
            methods=["POST"],
            response_class=HTMLResponse,
        )

    @router.get("/utbildningar/{session_id}", response_class=HTMLResponse)
    async def training(request: Request, session_id: SessionId) -> HTMLResponse:
        return render(request, await handlers.training(_services(request), session_id))

    @router.post("/utbildningar/{session_id}", response_class=HTMLResponse)
    async def register_for_training(request: Request, session_id: SessionId) -> Response:
        form = await _form(request)
        page = await handlers.register_for_training(_services(request), session_id, form)
        if page is not None:
            return render(request, page)
        return RedirectResponse(f"{home}/utbildningar/{session_id}/skickat", status_code=303)

    @router.get("/utbildningar/{session_id}/skickat", response_class=HTMLResponse)
    async def registration_sent(request: Request, session_id: SessionId) -> HTMLResponse:
        page = handlers.Page(
            "message.html.j2", {"title": "sent_title", "text": "training_sent_text"}
        )
        return render(request, page)

    # Staff's sign-in (membership knows who they are; the session is a cookie of this site's).
    @router.get("/logga-in", response_class=HTMLResponse)
    async def sign_in_form(request: Request) -> Response:
        if await _staff(request) is not None:
            return RedirectResponse(f"{home}/konto", status_code=303)
        return _no_store(render(request, staff_pages.sign_in_form()))

    @router.post("/logga-in", response_class=HTMLResponse)
    async def ask_for_sign_in_link(request: Request) -> Response:
        form = SignInForm.from_form(await _form(request))
        client = request.client.host if request.client else "unknown"
        page = await staff_pages.ask_for_link(_services(request), form, client, language)
        if page is not None:
            return _no_store(render(request, page))
        return RedirectResponse(f"{home}/logga-in/skickat", status_code=303)

    @router.get("/logga-in/skickat", response_class=HTMLResponse)
    async def sign_in_link_sent(request: Request) -> HTMLResponse:
        return render(request, staff_pages.message("sign_in_sent_title", "sign_in_sent_text"))

    @router.get("/logga-in/lank", response_class=HTMLResponse)
    async def sign_in(request: Request, token: str = "") -> Response:
        """The mail's link opens the session (as the contract has it), once: a mail scanner
        that opens links first uses it up, and the person asks for another."""
        if not SIGNED_LINK.fullmatch(token):
            return _no_store(_private(render(request, handlers.invalid_link())))
        key = _session_key(request)
        if not key:
            page = staff_pages.message("sign_in_unavailable_title", "sign_in_unavailable_text", 503)
            return render(request, page)
        opened = await staff_pages.follow_link(_services(request), token)
        if isinstance(opened, handlers.Page):
            return _no_store(_private(render(request, opened)))
        earlier = session_of(key, request.cookies.get(COOKIE))
        if earlier is not None:  # a new session at every sign-in; the one before ends
            await _services(request).end_staff_session(earlier)
        response = RedirectResponse(f"{home}/konto", status_code=303)
        response.set_cookie(
            COOKIE,
            cookie_value(key, opened.session),
            max_age=SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="lax",
            secure=_over_https(request),
        )
        return response

    @router.get("/konto", response_class=HTMLResponse)
    async def account(request: Request) -> Response:
        staff = await _staff(request)
        if staff is None:
            return RedirectResponse(f"{home}/logga-in", status_code=303)
        csrf = csrf_token(_session_key(request), staff.session)
        return _no_store(
            render(request, await staff_pages.account(_services(request), staff, csrf))
        )

    @router.get("/internt", response_class=HTMLResponse)
    async def internal(request: Request, q: str = "") -> Response:
        """For the network's staff, signed in: the vacancies for staff only, and beside them
        the public ones the same words find (the newest without words)."""
        staff = await _staff(request)
        if staff is None:
            return RedirectResponse(f"{home}/logga-in", status_code=303)
        words = q.strip()[:200]
        vacancies = await _services(request).staff_only_vacancies(words)
        public = await _services(request).search({"q": words, "limit": "10"})
        names = {a["code"]: a["name"] for a in await _services(request).agencies()}
        page = handlers.Page(
            "internal.html.j2",
            {"vacancies": vacancies, "public": public, "names": names, "q": words},
        )
        return _no_store(_private(render(request, page)))

    @router.get("/internt/jobb/{code}/{vacancy_id}", response_class=HTMLResponse)
    async def internal_vacancy(request: Request, code: Code, vacancy_id: OpenEventId) -> Response:
        staff = await _staff(request)
        if staff is None:
            return RedirectResponse(f"{home}/logga-in", status_code=303)
        found = await _services(request).staff_only_vacancy(code, vacancy_id)
        if found is None:
            page = handlers.Page(
                "message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404
            )
            return _no_store(render(request, page))
        names = {a["code"]: a["name"] for a in await _services(request).agencies()}
        paragraphs = [p.strip() for p in found["description"].split("\n\n") if p.strip()]
        page = handlers.Page(
            "internal_vacancy.html.j2",
            {"vacancy": found, "names": names, "paragraphs": paragraphs},
        )
        return _no_store(_private(render(request, page)))

    # Assignments between agencies (exchange), for signed-in staff.
    async def _signed_in_form(
        request: Request,
    ) -> tuple[Staff, list[tuple[str, str]]] | Response:
        fields = await _pairs(request)
        staff = await _staff(request)
        if staff is None:
            return RedirectResponse(f"{home}/logga-in", status_code=303)
        if not csrf_valid(_session_key(request), staff.session, dict(fields).get(CSRF_FIELD, "")):
            return _no_store(render(request, _forbidden()))
        return staff, fields

    @router.get("/internt/uppdrag", response_class=HTMLResponse)
    async def internal_assignments(request: Request, skill: str = "") -> Response:
        staff = await _staff(request)
        if staff is None:
            return RedirectResponse(f"{home}/logga-in", status_code=303)
        page = await exchange_pages.assignments(_services(request), staff, skill[:60] or None)
        return _no_store(_private(render(request, page)))

    @router.get("/internt/uppdrag/{code}/{assignment_id}", response_class=HTMLResponse)
    async def internal_assignment(
        request: Request, code: Code, assignment_id: OpenEventId
    ) -> Response:
        staff = await _staff(request)
        if staff is None:
            return RedirectResponse(f"{home}/logga-in", status_code=303)
        csrf = csrf_token(_session_key(request), staff.session)
        page = await exchange_pages.assignment(_services(request), staff, code, assignment_id, csrf)
        return _no_store(_private(render(request, page)))

    @router.post("/internt/uppdrag/{code}/{assignment_id}", response_class=HTMLResponse)
    async def say_interested(request: Request, code: Code, assignment_id: OpenEventId) -> Response:
        sent = await _signed_in_form(request)
        if isinstance(sent, Response):
            return sent
        staff, fields = sent
        csrf = csrf_token(_session_key(request), staff.session)
        page = await exchange_pages.say_interested(
            _services(request),
            staff,
            code,
            assignment_id,
            InterestForm.from_form(dict(fields)),
            language,
            csrf,
        )
        if page is None:
            return RedirectResponse(
                f"{home}/internt/uppdrag/{code}/{assignment_id}", status_code=303
            )
        return _no_store(_private(render(request, page)))

    @router.get("/internt/bevakning", response_class=HTMLResponse)
    async def internal_alerts(request: Request) -> Response:
        staff = await _staff(request)
        if staff is None:
            return RedirectResponse(f"{home}/logga-in", status_code=303)
        csrf = csrf_token(_session_key(request), staff.session)
        page = await exchange_pages.staff_alerts(_services(request), staff, csrf)
        return _no_store(_private(render(request, page)))

    @router.post("/internt/bevakning", response_class=HTMLResponse)
    async def add_internal_alert(request: Request) -> Response:
        sent = await _signed_in_form(request)
        if isinstance(sent, Response):
            return sent
        staff, fields = sent
        csrf = csrf_token(_session_key(request), staff.session)
        page = await exchange_pages.add_staff_alert(
            _services(request), staff, fields, VOCABULARY["occupation_field"], language, csrf
        )
        return _no_store(_private(render(request, page)))

    @router.post("/internt/bevakning/{alert_id}/ta-bort", response_class=HTMLResponse)
    async def remove_internal_alert(
        request: Request, alert_id: Annotated[str, Path(pattern=r"^sa-[0-9a-f]{16}$")]
    ) -> Response:
        sent = await _signed_in_form(request)
        if isinstance(sent, Response):
            return sent
        await _services(request).remove_staff_alert(sent[0].email, alert_id)
        return RedirectResponse(f"{home}/internt/bevakning", status_code=303)

    @router.get("/internt/profil", response_class=HTMLResponse)
    async def skills_profile(request: Request) -> Response:
        staff = await _staff(request)
        if staff is None:
            return RedirectResponse(f"{home}/logga-in", status_code=303)
        csrf = csrf_token(_session_key(request), staff.session)
        page = await exchange_pages.profile(_services(request), staff, csrf)
        return _no_store(_private(render(request, page)))

    @router.post("/internt/profil", response_class=HTMLResponse)
    async def save_skills_profile(request: Request) -> Response:
        sent = await _signed_in_form(request)
        if isinstance(sent, Response):
            return sent
        staff, fields = sent
        csrf = csrf_token(_session_key(request), staff.session)
        page = await exchange_pages.save_profile(_services(request), staff, fields, csrf)
        return _no_store(_private(render(request, page)))

    # A party's answer to an assignment's step: the link is the permission; a GET changes
    # nothing (mail scanners open links).
    @router.get("/uppdrag/svar", response_class=HTMLResponse)
    async def assignment_answer(request: Request, token: str = "") -> Response:
        if not SIGNED_LINK.fullmatch(token):
            return _no_store(_private(render(request, handlers.invalid_link())))
        page = await exchange_pages.answer_page(_services(request), token)
        return _no_store(_private(render(request, page)))

    @router.post("/uppdrag/svar", response_class=HTMLResponse)
    async def answer_assignment(request: Request) -> Response:
        form = await _form(request)
        token, answer = form.get("token", ""), form.get("answer", "")
        if not SIGNED_LINK.fullmatch(token) or answer not in ("yes", "no"):
            return _no_store(_private(render(request, handlers.invalid_link())))
        page = await exchange_pages.answer(_services(request), token, answer == "yes")
        return _no_store(_private(render(request, page)))

    @router.post("/logga-ut", response_class=HTMLResponse)
    async def sign_out(request: Request) -> Response:
        form = await _form(request)
        staff = await _staff(request)
        if staff is None:
            return RedirectResponse(f"{home}/logga-in", status_code=303)
        if not csrf_valid(_session_key(request), staff.session, form.get(CSRF_FIELD, "")):
            return render(request, _forbidden())
        await _services(request).end_staff_session(staff.session)
        response = RedirectResponse(f"{home}/logga-in/utloggad", status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
        return response

    # The coordinator's console: coordinators only; anyone else signed in gets 403.
    async def _coordinator(request: Request) -> Staff | Response:
        staff = await _staff(request)
        if staff is None:
            return RedirectResponse(f"{home}/logga-in", status_code=303)
        if not staff.coordinator:
            return _no_store(render(request, console_pages.forbidden()))
        return staff

    async def _coordinator_form(request: Request) -> tuple[Staff, dict[str, str]] | Response:
        """A console form's fields, sent by a coordinator with the form's CSRF token."""
        form = await _form(request)
        staff = await _coordinator(request)
        if isinstance(staff, Response):
            return staff
        if not csrf_valid(_session_key(request), staff.session, form.get(CSRF_FIELD, "")):
            return _no_store(render(request, _forbidden()))
        return staff, form

    @router.get("/samordning", response_class=HTMLResponse)
    async def console(request: Request) -> Response:
        staff = await _coordinator(request)
        if isinstance(staff, Response):
            return staff
        csrf = csrf_token(_session_key(request), staff.session)
        asked = {k: v[:20] for k, v in request.query_params.items() if k in ("from", "to")}
        page = await console_pages.start(_services(request), staff, csrf, asked, stockholm_today())
        return _no_store(render(request, page))

    @router.get("/samordning/rapport.csv")
    async def console_report_csv(request: Request) -> Response:
        staff = await _coordinator(request)
        if isinstance(staff, Response):
            return staff
        asked = {k: v[:20] for k, v in request.query_params.items() if k in ("from", "to")}
        network_name = CATALOGUES[language].gettext("report_network")
        made = await console_pages.report_csv_of(
            _services(request), asked, stockholm_today(), network_name
        )
        if made is None:
            return _no_store(Response("from/to: a day as YYYY-MM-DD, from not after to\n", 400))
        text, period = made
        name = f"myndnet-rapport-{period.first.isoformat()}-{period.last.isoformat()}.csv"
        return _no_store(
            Response(
                text,
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        )

    @router.get("/samordning/dlq", response_class=HTMLResponse)
    async def console_dead_letters(request: Request) -> Response:
        staff = await _coordinator(request)
        if isinstance(staff, Response):
            return staff
        csrf = csrf_token(_session_key(request), staff.session)
        page = await console_pages.dead_letters(_services(request), staff, csrf)
        return _no_store(render(request, page))

    @router.post("/samordning/dlq/aterspela", response_class=HTMLResponse)
    async def console_replay(request: Request) -> Response:
        sent = await _coordinator_form(request)
        if isinstance(sent, Response):
            return sent
        staff = sent[0]
        body = (await request.body()).decode("utf-8", "replace")
        refs = [v for k, v in parse_qsl(body, max_num_fields=1100) if k == "entry"][:1000]
        csrf = csrf_token(_session_key(request), staff.session)
        page = await console_pages.replay(_services(request), staff, refs, csrf)
        return _no_store(render(request, page))

    @router.post("/samordning/matchning", response_class=HTMLResponse)
    async def console_matching(request: Request) -> Response:
        sent = await _coordinator_form(request)
        if isinstance(sent, Response):
            return sent
        page = await console_pages.run_matching(_services(request), sent[0])
        return _no_store(render(request, page))

    @router.post("/samordning/sparrar/hav", response_class=HTMLResponse)
    async def console_lift_suppression(request: Request) -> Response:
        sent = await _coordinator_form(request)
        if isinstance(sent, Response):
            return sent
        staff, form = sent
        email = form.get("email", "").strip()[:320]
        if "@" not in email:
            return _no_store(render(request, _forbidden()))
        page = await console_pages.lift_suppression(_services(request), staff, email)
        if page is not None:
            return _no_store(render(request, page))
        return RedirectResponse(f"{home}/samordning?sparr=1#attention", 303)

    @router.get("/samordning/myndigheter/{code}", response_class=HTMLResponse)
    async def console_agency(request: Request, code: Code, sparat: str = "") -> Response:
        staff = await _coordinator(request)
        if isinstance(staff, Response):
            return staff
        csrf = csrf_token(_session_key(request), staff.session)
        page = await console_pages.agency_page(
            _services(request), staff, code, csrf, saved=sparat == "1"
        )
        return _no_store(render(request, page))

    @router.post("/samordning/myndigheter/{code}", response_class=HTMLResponse)
    async def change_agency(request: Request, code: Code) -> Response:
        sent = await _coordinator_form(request)
        if isinstance(sent, Response):
            return sent
        staff, form = sent
        given = AgencyForm.from_form(form)
        refused = await console_pages.change_agency(_services(request), staff, code, given)
        if refused is None:
            return RedirectResponse(f"{home}/samordning/myndigheter/{code}?sparat=1", 303)
        csrf = csrf_token(_session_key(request), staff.session)
        page = await console_pages.agency_page(_services(request), staff, code, csrf, refused)
        return _no_store(render(request, page))

    @router.post("/samordning/myndigheter/{code}/nycklar", response_class=HTMLResponse)
    async def issue_http_key(request: Request, code: Code) -> Response:
        sent = await _coordinator_form(request)
        if isinstance(sent, Response):
            return sent
        staff = sent[0]
        page = await console_pages.issue_key(_services(request), staff, code)
        return _no_store(render(request, page))

    @router.post("/samordning/myndigheter/{code}/nycklar/{key_id}/aterkalla")
    async def revoke_http_key(request: Request, code: Code, key_id: KeyId) -> Response:
        sent = await _coordinator_form(request)
        if isinstance(sent, Response):
            return sent
        staff = sent[0]
        page = await console_pages.revoke_key(_services(request), staff, code, key_id)
        if page is not None:
            return _no_store(render(request, page))
        return RedirectResponse(f"{home}/samordning/myndigheter/{code}?sparat=1", 303)

    @router.get("/samordning/evenemang", response_class=HTMLResponse)
    async def console_open_events(request: Request, planerat: str = "") -> Response:
        staff = await _coordinator(request)
        if isinstance(staff, Response):
            return staff
        csrf = csrf_token(_session_key(request), staff.session)
        planned = planerat if OPEN_EVENT_ID.fullmatch(planerat) else None
        page = await console_pages.open_events_page(
            _services(request), staff, csrf, language, planned=planned
        )
        return _no_store(render(request, page))

    @router.post("/samordning/evenemang", response_class=HTMLResponse)
    async def console_plan_open_event(request: Request) -> Response:
        sent = await _coordinator_form(request)
        if isinstance(sent, Response):
            return sent
        staff = sent[0]
        csrf = csrf_token(_session_key(request), staff.session)
        done = await console_pages.plan_open_event(
            _services(request), staff, await _pairs(request), csrf, language
        )
        if isinstance(done, str):
            return RedirectResponse(f"{home}/samordning/evenemang?planerat={done}", 303)
        return _no_store(render(request, done))

    @router.post("/samordning/evenemang/{event_id}/stall-in", response_class=HTMLResponse)
    async def console_cancel_open_event(request: Request, event_id: OpenEventId) -> Response:
        sent = await _coordinator_form(request)
        if isinstance(sent, Response):
            return sent
        page = await console_pages.cancel_open_event(_services(request), sent[0], event_id)
        if page is not None:
            return _no_store(render(request, page))
        return RedirectResponse(f"{home}/samordning/evenemang", 303)

    @router.get("/samordning/uppdrag", response_class=HTMLResponse)
    async def console_assignments(request: Request, posted: str = "") -> Response:
        staff = await _coordinator(request)
        if isinstance(staff, Response):
            return staff
        csrf = csrf_token(_session_key(request), staff.session)
        page = await exchange_pages.console_assignments(
            _services(request), staff, csrf, posted=posted[:110] or None
        )
        return _no_store(render(request, page))

    @router.post("/samordning/uppdrag", response_class=HTMLResponse)
    async def console_post_assignment(request: Request) -> Response:
        sent = await _coordinator_form(request)
        if isinstance(sent, Response):
            return sent
        staff = sent[0]
        csrf = csrf_token(_session_key(request), staff.session)
        done = await exchange_pages.post_assignment(
            _services(request), staff, await _pairs(request), csrf
        )
        if isinstance(done, str):
            return RedirectResponse(f"{home}/samordning/uppdrag?{urlencode({'posted': done})}", 303)
        return _no_store(render(request, done))

    @router.post(
        "/samordning/uppdrag/{code}/{assignment_id}/dra-tillbaka", response_class=HTMLResponse
    )
    async def console_withdraw_assignment(
        request: Request, code: Code, assignment_id: OpenEventId
    ) -> Response:
        sent = await _coordinator_form(request)
        if isinstance(sent, Response):
            return sent
        await exchange_pages.withdraw_assignment(_services(request), sent[0], code, assignment_id)
        return RedirectResponse(f"{home}/samordning/uppdrag", 303)

    @router.get("/samordning/profiler", response_class=HTMLResponse)
    async def console_profiles(
        request: Request, skill: str = "", language: str = "", open_to: str = ""
    ) -> Response:
        """Coordinators search the skills profiles staff have published (a GET: it changes
        nothing)."""
        staff = await _coordinator(request)
        if isinstance(staff, Response):
            return staff
        page = await exchange_pages.profiles_search(
            _services(request), staff, skill[:60], language[:3], open_to[:20]
        )
        return _no_store(_private(render(request, page)))

    @router.get("/samordning/kampanjer", response_class=HTMLResponse)
    async def console_campaigns(request: Request) -> Response:
        staff = await _coordinator(request)
        if isinstance(staff, Response):
            return staff
        csrf = csrf_token(_session_key(request), staff.session)
        return _no_store(
            render(request, await console_pages.campaigns_page(_services(request), staff, csrf))
        )

    @router.post("/samordning/kampanjer", response_class=HTMLResponse)
    async def console_plan_campaign(request: Request) -> Response:
        sent = await _coordinator_form(request)
        if isinstance(sent, Response):
            return sent
        staff = sent[0]
        csrf = csrf_token(_session_key(request), staff.session)
        done = await console_pages.plan_campaign(
            _services(request), staff, await _pairs(request), csrf
        )
        if isinstance(done, str):
            return RedirectResponse(f"{home}/samordning/kampanjer/{done}", 303)
        return _no_store(render(request, done))

    @router.get("/samordning/kampanjer/{campaign_id}", response_class=HTMLResponse)
    async def console_campaign(request: Request, campaign_id: OpenEventId) -> Response:
        staff = await _coordinator(request)
        if isinstance(staff, Response):
            return staff
        csrf = csrf_token(_session_key(request), staff.session)
        page = await console_pages.campaign_page(_services(request), staff, campaign_id, csrf)
        return _no_store(render(request, page))

    for action in ("schedule", "cancel"):

        async def console_campaign_action(
            request: Request, campaign_id: OpenEventId, action: str = action
        ) -> Response:
            sent = await _coordinator_form(request)
            if isinstance(sent, Response):
                return sent
            staff = sent[0]
            csrf = csrf_token(_session_key(request), staff.session)
            page = await console_pages.campaign_action(
                _services(request), staff, campaign_id, action, csrf
            )
            if page is not None:
                return _no_store(render(request, page))
            return RedirectResponse(f"{home}/samordning/kampanjer/{campaign_id}", 303)

        router.add_api_route(
            f"/samordning/kampanjer/{{campaign_id}}/{action}",
            console_campaign_action,
            methods=["POST"],
            response_class=HTMLResponse,
            include_in_schema=False,
        )

    @router.get("/samordning/logg", response_class=HTMLResponse)
    async def console_log(request: Request) -> Response:
        staff = await _coordinator(request)
        if isinstance(staff, Response):
            return staff
        return _no_store(render(request, await console_pages.log(_services(request), staff)))

    @router.get("/logga-in/utloggad", response_class=HTMLResponse)
    async def signed_out(request: Request) -> HTMLResponse:
        return render(request, staff_pages.message("signed_out_title", "signed_out_text"))

    async def _subscribe_page(
        request: Request, alert: AlertForm, status: int = 200
    ) -> handlers.Page:
        agencies = await _services(request).agencies()
        return handlers.Page("subscribe.html.j2", {"alert": alert, "agencies": agencies}, status)

    return router


def _registration_link(render: Any, action: str, act: bool) -> Any:
    """A page of a person's own confirm or cancel link: a GET shows (mail scanners open links
    too), a POST from its button acts."""

    async def page(request: Request, token: str = "") -> HTMLResponse:
        if act:
            token = (await _form(request)).get("token", "")
        if not SIGNED_LINK.fullmatch(token):
            return render(request, handlers.invalid_link())
        shown = await handlers.registration(_services(request), action, token, act)
        return _private(render(request, shown))

    return page


def _event_registration_link(render: Any, action: str, language: Language, act: bool) -> Any:
    """A page of a registrant's own confirm or cancel link: a GET shows, a POST acts."""

    async def page(request: Request, token: str = "") -> HTMLResponse:
        if act:
            token = (await _form(request)).get("token", "")
        if not SIGNED_LINK.fullmatch(token):
            return render(request, handlers.invalid_link())
        shown = await handlers.event_registration(_services(request), action, token, act, language)
        return _private(render(request, shown))

    return page


_DONE = {
    f"done_{d}"
    for d in (
        "changed",
        "added",
        "removed",
        "paused",
        "resumed",
        "stopped",
        "news_given",
        "news_withdrawn",
    )
}


def _session_key(request: Request) -> str:
    key: str = request.app.state.session_key
    return key


async def _staff(request: Request) -> Staff | None:
    """The signed-in member of staff, or None (no cookie of ours, or a session that ended)."""
    session = session_of(_session_key(request), request.cookies.get(COOKIE))
    return await staff_pages.signed_in(_services(request), session)


def _over_https(request: Request) -> bool:
    base_url: str = request.app.state.base_url
    return request.url.scheme == "https" or base_url.startswith("https://")


def _forbidden() -> handlers.Page:
    return staff_pages.message("forbidden_title", "forbidden_text", 403)


def _no_store(response: Response) -> Response:
    """A page about the person signed in (or asking to be): kept in no cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _private(response: HTMLResponse) -> HTMLResponse:
    """A page a token opens: the token goes to no other site in a Referer."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


shared = APIRouter(include_in_schema=False)


@shared.get("/sitemap.xml")
async def sitemap(request: Request) -> Response:
    body = await handlers.sitemap(_services(request), request.app.state.base_url)
    return Response(body, media_type="application/xml")


@shared.get("/robots.txt")
async def robots(request: Request) -> Response:
    return Response(robots_txt(request.app.state.base_url), media_type="text/plain")


@shared.get("/jobb/feed.atom")
async def feed(request: Request) -> Response:
    try:
        body = await _services(request).feed()
    except Unavailable:
        return Response(status_code=503, headers={"Retry-After": "30"})
    return Response(body, media_type="application/atom+xml; charset=utf-8")
