"""The exchange pages: open assignments for signed-in staff, one assignment and the interest
form, the parties' answer page (the link is the permission) and the skills profile. Each
gathers what exchange says and returns the page; sessions and CSRF are the entrypoint's."""

from myndnet_web.adapters.services import Services
from myndnet_web.domain.exchange_forms import (
    LANGUAGES,
    OPEN_TO,
    AssignmentForm,
    InterestForm,
    ProfileForm,
    StaffAlertForm,
)
from myndnet_web.domain.staff import Staff
from myndnet_web.handlers.console import may_plan_for
from myndnet_web.handlers.site import Page

REFUSED_INTEREST = {
    "already_interested": "interest_already",
    "own_agency": "interest_own_agency",
    "closed": "assignment_not_open",
    "no_coordinator": "interest_no_coordinator",
    "not_staff": "interest_not_staff",
}


def not_found() -> Page:
    return Page("message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404)


async def assignments(services: Services, staff: Staff, skill: str | None) -> Page:
    skills = await services.skills()
    chosen = skill if skill in skills else None
    return Page(
        "internal_assignments.html.j2",
        {
            "assignments": await services.assignments(staff.email, chosen),
            "skills": skills,
            "skill": chosen,
        },
    )


async def assignment(
    services: Services,
    staff: Staff,
    code: str,
    assignment_id: str,
    csrf: str,
    form: InterestForm | None = None,
    status: int = 200,
) -> Page:
    found = await services.assignment(staff.email, code, assignment_id)
    if found is None:
        return not_found()
    paragraphs = [p.strip() for p in found["description"].split("\n\n") if p.strip()]
    return Page(
        "internal_assignment.html.j2",
        {"a": found, "paragraphs": paragraphs, "form": form or InterestForm(), "csrf_token": csrf},
        status,
    )


async def say_interested(
    services: Services,
    staff: Staff,
    code: str,
    assignment_id: str,
    form: InterestForm,
    language: str,
    csrf: str,
) -> Page | None:
    """None when the interest was recorded (the entrypoint sends the person back to the page)."""
    if form.errors:
        return await assignment(services, staff, code, assignment_id, csrf, form, 400)
    ok, answer = await services.say_interested(
        staff.email, code, assignment_id, form.note, language
    )
    if ok:
        return None
    if answer.get("code") == "not_found":
        return not_found()
    form.errors["form"] = REFUSED_INTEREST.get(answer.get("code", ""), "interest_refused")
    return await assignment(services, staff, code, assignment_id, csrf, form, 409)


def _refused(code: str) -> Page:
    known = ("expired", "forged", "purpose", "answered", "closed", "taken")
    text = f"assignment_link_{code}" if code in known else "assignment_link_forged"
    status = 410 if code in ("answered", "closed", "expired") else 400
    return Page("message.html.j2", {"title": "link_refused_title", "text": text}, status)


async def answer_page(services: Services, token: str) -> Page:
    ok, view = await services.assignment_link(token)
    if not ok:
        return _refused(view["code"])
    return Page("assignment_answer.html.j2", {"token": token, "view": view, "done": False})


async def answer(services: Services, token: str, yes: bool) -> Page:
    ok, view = await services.answer_assignment_link(token, yes)
    if not ok:
        return _refused(view["code"])
    return Page("assignment_answer.html.j2", {"view": view, "done": True, "yes": yes})


async def profile(
    services: Services,
    staff: Staff,
    csrf: str,
    form: ProfileForm | None = None,
    status: int = 200,
    **shown: bool,
) -> Page:
    mine = await services.my_profile(staff.email)
    return Page(
        "profile.html.j2",
        {
            "form": form or ProfileForm.from_profile(mine),
            "skills": await services.skills(),
            "has_profile": mine is not None,
            "csrf_token": csrf,
            **shown,
        },
        status,
    )


async def save_profile(
    services: Services, staff: Staff, fields: list[tuple[str, str]], csrf: str
) -> Page:
    if dict(fields).get("action") == "remove":
        await services.remove_profile(staff.email)
        return await profile(services, staff, csrf, removed=True)
    form = ProfileForm.from_form(fields, await services.skills())
    if form.errors:
        return await profile(services, staff, csrf, form, 400)
    await services.save_profile(staff.email, form.body())
    return await profile(services, staff, csrf, saved=True)


async def profiles_search(
    services: Services, staff: Staff, skill: str, language: str, open_to: str
) -> Page:
    """The console's search of skills profiles; an empty search lists the newest."""
    skills = await services.skills()
    asked = {
        "skill": skill if skill in skills else "",
        "language": language if language in LANGUAGES else "",
        "open_to": open_to if open_to in OPEN_TO else "",
    }
    found = await services.search_profiles(
        staff.email,
        [asked["skill"]] if asked["skill"] else [],
        asked["language"] or None,
        asked["open_to"] or None,
    )
    names = {a["code"]: a["name"] for a in await services.agencies()}
    return Page(
        "console_profiles.html.j2",
        {"profiles": found, "skills": skills, "asked": asked, "names": names},
    )


async def console_assignments(
    services: Services,
    staff: Staff,
    csrf: str,
    form: AssignmentForm | None = None,
    posted: str | None = None,
) -> Page:
    """The assignments of the agencies this coordinator acts for, and the form to post one."""
    hosts = may_plan_for(staff, await services.agencies(fresh=True))
    listed = [a for host in hosts for a in await services.host_assignments(host["code"])]
    return Page(
        "console_assignments.html.j2",
        {
            "assignments": listed,
            "hosts": hosts,
            "skills": await services.skills(),
            "form": form or AssignmentForm(agency=hosts[0]["code"] if len(hosts) == 1 else ""),
            "csrf_token": csrf,
            "posted": posted,
        },
        400 if form is not None and form.errors else 200,
    )


async def post_assignment(
    services: Services, staff: Staff, pairs: list[tuple[str, str]], csrf: str
) -> Page | str:
    """The new assignment's page address when it was posted, else the page with what is wrong."""
    hosts = {a["code"] for a in may_plan_for(staff, await services.agencies(fresh=True))}
    form = AssignmentForm.from_pairs(pairs, hosts, await services.skills())
    if form.errors:
        return await console_assignments(services, staff, csrf, form)
    ok, answer = await services.post_assignment(staff.email, form.agency, form.body())
    if not ok:
        form.errors["form"] = "console_assignment_refused"
        return await console_assignments(services, staff, csrf, form)
    return f"{answer['host']}/{answer['id']}"


async def withdraw_assignment(
    services: Services, staff: Staff, code: str, assignment_id: str
) -> bool:
    hosts = {a["code"] for a in may_plan_for(staff, await services.agencies(fresh=True))}
    return code in hosts and await services.withdraw_assignment(staff.email, code, assignment_id)


async def staff_alerts(
    services: Services, staff: Staff, csrf: str, status: int = 200, **shown: bool
) -> Page:
    return Page(
        "staff_alerts.html.j2",
        {
            "alerts": await services.staff_alerts(staff.email),
            "form": StaffAlertForm(),
            "csrf_token": csrf,
            "added": shown.get("added", False),
            "too_many": shown.get("too_many", False),
        },
        status,
    )


async def add_staff_alert(
    services: Services,
    staff: Staff,
    pairs: list[tuple[str, str]],
    fields: tuple[str, ...],
    language: str,
    csrf: str,
) -> Page:
    form = StaffAlertForm.from_pairs(pairs, fields)
    if not await services.add_staff_alert(staff.email, form.body(language)):
        return await staff_alerts(services, staff, csrf, 409, too_many=True)
    return await staff_alerts(services, staff, csrf, added=True)
