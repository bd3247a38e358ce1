"""The coordinator's console: the agencies a coordinator acts for, an agency's details changed
through membership (which logs who did it), and the log of what coordinators and operators
did. Each gathers what the services say and returns the page."""

from datetime import datetime
from typing import Any

from myndnet_schemas.clock import STOCKHOLM

from myndnet_web.adapters.services import Refused, Services
from myndnet_web.domain.console import (
    REFUSED_FIELD,
    AgencyForm,
    agencies_for,
    may_act_for,
    refusal_field,
)
from myndnet_web.domain.staff import Staff
from myndnet_web.handlers.site import Page


def forbidden() -> Page:
    return Page("message.html.j2", {"title": "forbidden_title", "text": "forbidden_text"}, 403)


async def start(services: Services, staff: Staff, csrf: str) -> Page:
    agencies = agencies_for(staff, await services.agencies(fresh=True))
    return Page("console.html.j2", {"staff": staff, "agencies": agencies, "csrf_token": csrf})


async def agency_page(
    services: Services,
    staff: Staff,
    code: str,
    csrf: str,
    form: AgencyForm | None = None,
    saved: bool = False,
) -> Page:
    if not may_act_for(staff, code):
        return forbidden()
    agency = await services.agency(code)
    if agency is None or agency.get("status") == "left":
        return Page("message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404)
    form = form or AgencyForm.of(agency)
    status = 400 if form.errors else 200
    keys = [shown_key(k) for k in await services.http_keys(code)]
    values = {"agency": agency, "form": form, "csrf_token": csrf, "saved": saved, "keys": keys}
    return Page("console_agency.html.j2", values, status)


def shown_key(key: dict[str, Any]) -> dict[str, Any]:
    def day(value: Any) -> str | None:
        return (
            datetime.fromisoformat(value).astimezone(STOCKHOLM).date().isoformat()
            if value
            else None
        )

    return {
        "key_id": key["key_id"],
        "created": day(key["created_at"]),
        "revoked": day(key.get("revoked_at")),
    }


async def issue_key(services: Services, staff: Staff, code: str) -> Page:
    """The new key, on a page of its own: shown this once."""
    if not may_act_for(staff, code):
        return forbidden()
    agency = await services.agency(code)
    if agency is None or agency.get("status") == "left":
        return Page("message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404)
    try:
        issued = await services.issue_http_key(code, staff.email)
    except Refused as exc:
        if exc.status != 409:
            raise
        return Page(
            "message.html.j2",
            {"title": "console_keys_full_title", "text": "console_keys_full_text"},
            409,
        )
    return Page("console_key.html.j2", {"agency": agency, "issued": issued})


async def revoke_key(services: Services, staff: Staff, code: str, key_id: str) -> Page | None:
    if not may_act_for(staff, code):
        return forbidden()
    await services.revoke_http_key(code, key_id, staff.email)
    return None


async def change_agency(
    services: Services, staff: Staff, code: str, form: AgencyForm
) -> AgencyForm | None:
    """None when membership took the change; the form with what is wrong otherwise."""
    if not form.errors:
        try:
            await services.change_agency(code, form.change(), staff.email)
        except Refused as exc:
            if exc.status != 422:
                raise
            where = refusal_field(exc.detail)
            form.errors[where] = REFUSED_FIELD[where]
    return form if form.errors else None


async def log(services: Services, staff: Staff) -> Page:
    subjects = None if staff.network_coordinator else list(staff.coordinates)
    actions = [logged(a) for a in await services.agency_actions(subjects)]
    names = {a["code"]: a["name"] for a in await services.agencies(fresh=True)}
    return Page("console_log.html.j2", {"actions": actions, "names": names})


AGENCY_FIELDS = ("email_domains", "website", "organisation_number", "coordinators")


def logged(action: dict[str, Any]) -> dict[str, Any]:
    """An action as the log's table shows it: when (Swedish time, to the minute), who, what, on
    what."""
    details = action.get("details") or {}
    return {
        "at": datetime.fromisoformat(action["at"]).astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"),
        "actor": action["actor"],
        "what": "action_" + action["action"].replace(".", "_"),
        "fields": [f for f in AGENCY_FIELDS if f in details],
        "other_fields": sorted(set(details) - {*AGENCY_FIELDS, "key_id"}),
        "key_id": details.get("key_id"),
        "subject": action["subject"],
    }
