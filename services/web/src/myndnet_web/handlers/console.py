"""The coordinator's console: the agencies a coordinator acts for, an agency's details changed
through membership (which logs who did it), and the log of what coordinators and operators
did. Each gathers what the services say and returns the page."""

import asyncio
from datetime import date, datetime
from typing import Any

from myndnet_kit.logging import get_logger
from myndnet_schemas.clock import STOCKHOLM

from myndnet_web.adapters.services import Refused, Services
from myndnet_web.domain.attention import agency_of_entry, attention, visible_to
from myndnet_web.domain.console import (
    REFUSED_FIELD,
    AgencyForm,
    agencies_for,
    may_act_for,
    refusal_field,
)
from myndnet_web.domain.open_events import shown as event_shown
from myndnet_web.domain.outreach_forms import KINDS, CampaignForm, EventForm
from myndnet_web.domain.report import MEASURES, Period, report, report_csv
from myndnet_web.domain.staff import Staff
from myndnet_web.handlers.site import Page

logger = get_logger(__name__)


def forbidden() -> Page:
    return Page("message.html.j2", {"title": "forbidden_title", "text": "forbidden_text"}, 403)


async def start(
    services: Services, staff: Staff, csrf: str, asked: dict[str, str], today: date
) -> Page:
    """The network at a glance for the period asked, what needs attention, and the agencies
    the coordinator acts for."""
    period, errors = Period.asked(asked.get("from", ""), asked.get("to", ""), today)
    current = await services.agencies(fresh=True)
    figures, dead, bounced = await asyncio.gather(
        services.figures(period.first, period.last),
        services.dead_letters(),
        services.bounced_work_addresses(),
    )
    shown = report(period, current, figures)
    items = attention(
        current,
        today,
        vacancies=figures["vacancies"],
        mentoring=figures["mentoring"],
        dlq={name: entries for name, entries in dead.items() if entries},
        bounced=bounced or [],
    )
    silent_sources = sorted(
        {*shown.missing, *(name for name, entries in dead.items() if entries is None)}
        | ({"notify"} if bounced is None else set())
    )
    values = {
        "staff": staff,
        "agencies": agencies_for(staff, current),
        "names": {a["code"]: a["name"] for a in current},
        "csrf_token": csrf,
        "report": shown,
        "asked": {"from": asked.get("from", ""), "to": asked.get("to", "")},
        "errors": errors,
        "attention": visible_to(items, staff.network_coordinator, staff.coordinates),
        "silent_sources": silent_sources,
        "measures": [m for m, _ in MEASURES],
    }
    return Page("console.html.j2", values, 400 if errors else 200)


async def report_csv_of(
    services: Services, asked: dict[str, str], today: date, network_name: str
) -> tuple[str, Period] | None:
    """The report's CSV; None when the period asked is not one."""
    period, errors = Period.asked(asked.get("from", ""), asked.get("to", ""), today)
    if errors:
        return None
    current = await services.agencies(fresh=True)
    shown = report(period, current, await services.figures(period.first, period.last))
    return report_csv(shown, network_name), period


def entry_shown(service: str, entry: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {
        "ref": f"{service}:{entry['id']}",
        "service": service,
        "id": entry["id"],
        "topic": entry["topic"],
        "reason": entry["reason"],
        "error": (entry.get("error") or "")[:300],
        "agency": names.get(agency_of_entry(entry, names) or ""),
        "dead_at": datetime.fromisoformat(entry["dead_at"])
        .astimezone(STOCKHOLM)
        .strftime("%Y-%m-%d %H:%M"),
    }


async def dead_letters(
    services: Services, staff: Staff, csrf: str, replayed: dict[str, Any] | None = None
) -> Page:
    """The DLQ entries a coordinator may replay: every one for the network's coordinators,
    their agencies' for an agency's."""
    names = {a["code"]: a["name"] for a in await services.agencies(fresh=True)}
    found = await services.dead_letters()
    entries = [
        entry_shown(service, entry, names)
        for service, listed in found.items()
        for entry in listed or []
        if staff.network_coordinator or agency_of_entry(entry, names) in staff.coordinates
    ]
    values = {
        "entries": entries,
        "silent_sources": sorted(name for name, listed in found.items() if listed is None),
        "csrf_token": csrf,
        "replayed": replayed,
    }
    return Page("console_dlq.html.j2", values)


async def replay(services: Services, staff: Staff, refs: list[str], csrf: str) -> Page:
    """Replays the entries chosen (those this coordinator may replay), service by service."""
    names = {a["code"]: a["name"] for a in await services.agencies(fresh=True)}
    found = await services.dead_letters()
    allowed = {
        f"{service}:{entry['id']}": (service, entry["id"])
        for service, listed in found.items()
        for entry in listed or []
        if staff.network_coordinator or agency_of_entry(entry, names) in staff.coordinates
    }
    chosen: dict[str, list[int]] = {}
    for ref in refs:
        if ref in allowed:
            service, entry_id = allowed[ref]
            chosen.setdefault(service, []).append(entry_id)
    done = {"replayed": 0, "kept": 0}
    for service, ids in sorted(chosen.items()):
        answer = await services.replay(service, ids, staff.email)
        done["replayed"] += len(answer["replayed"])
        done["kept"] += len(ids) - len(answer["replayed"])
    return await dead_letters(services, staff, csrf, done)


async def run_matching(services: Services, staff: Staff) -> Page:
    if not staff.network_coordinator:
        return forbidden()  # a round matches every agency's managers
    done = await services.run_matching(staff.email)
    values = {"proposed": len(done["proposed"]), "waiting": done["waiting_before"]}
    return Page("console_matching.html.j2", values)


async def lift_suppression(services: Services, staff: Staff, email: str) -> Page | None:
    """An agency's coordinator lifts their own agency's addresses; None when done."""
    current = await services.agencies(fresh=True)
    domains = {d: a["code"] for a in current for d in a.get("email_domains") or []}
    code = domains.get(email.rpartition("@")[2].lower())
    if not staff.network_coordinator and code not in staff.coordinates:
        return forbidden()
    await services.lift_suppression(email, staff.email)
    return None


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
            anchor = "profile_sv_tagline" if where == "profile" else where
            form.errors[anchor] = REFUSED_FIELD[where]
    return form if form.errors else None


async def log(services: Services, staff: Staff) -> Page:
    subjects = None if staff.network_coordinator else list(staff.coordinates)
    found = await services.actions(subjects)
    if subjects is not None:  # an agency's coordinator: their agencies', and what they did
        found = [a for a in found if a["subject"] in subjects or a["actor"] == staff.email]
    actions = [logged(a) for a in found]
    names = {a["code"]: a["name"] for a in await services.agencies(fresh=True)}
    return Page("console_log.html.j2", {"actions": actions, "names": names})


# The actions the log has words for; another service's new action is shown by its name.
LOGGED_ACTIONS = frozenset(
    f"action_{name}"
    for name in (
        "agency_registered",
        "agency_changed",
        "agency_left",
        "http_key_issued",
        "http_key_revoked",
        "dlq_replayed",
        "matching_run",
        "suppression_lifted",
        "open_event_scheduled",
        "open_event_changed",
        "open_event_cancelled",
        "campaign_planned",
        "campaign_scheduled",
        "campaign_cancelled",
        "registrations_erased",
    )
)
AGENCY_FIELDS = ("email_domains", "website", "organisation_number", "coordinators", "profile")


def logged(action: dict[str, Any]) -> dict[str, Any]:
    """An action as the log's table shows it: when (Swedish time, to the minute), who, what, on
    what."""
    details = action.get("details") or {}
    what = "action_" + action["action"].replace(".", "_")
    return {
        "at": datetime.fromisoformat(action["at"]).astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"),
        "actor": action["actor"],
        "what": what if what in LOGGED_ACTIONS else "action_other",
        "action": action["action"],
        "fields": [f for f in AGENCY_FIELDS if f in details],
        "other_fields": sorted(set(details) - {*AGENCY_FIELDS, "key_id"}),
        "key_id": details.get("key_id"),
        "subject": action["subject"],
    }


# -- outreach: open events and campaigns --------------------------------------------------------


def may_plan_for(staff: Staff, agencies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The current agencies this coordinator may plan an event or a campaign for."""
    return agencies_for(staff, agencies)


async def open_events_page(
    services: Services,
    staff: Staff,
    csrf: str,
    language: str,
    form: EventForm | None = None,
    planned: str | None = None,
) -> Page:
    current = await services.agencies(fresh=True)
    names = {a["code"]: a["name"] for a in current}
    events = [event_shown(e, language, names) for e in await services.open_events()]
    return Page(
        "console_events.html.j2",
        {
            "csrf_token": csrf,
            "events": events,
            "hosts": may_plan_for(staff, current),
            "kinds": KINDS,
            "form": form or EventForm(),
            "planned": planned,
            "may_cancel": {
                e["id"] for e in events if any(may_act_for(staff, h) for h in e["hosts"])
            },
        },
        400 if form is not None and form.errors else 200,
    )


async def plan_open_event(
    services: Services, staff: Staff, pairs: list[tuple[str, str]], csrf: str, language: str
) -> Page | str:
    """The new event's id, or the page again with what is wrong."""
    current = await services.agencies(fresh=True)
    form = EventForm.from_pairs(pairs, {a["code"] for a in may_plan_for(staff, current)})
    if not form.errors:
        try:
            planned = await services.plan_open_event(form.body(), staff.email)
            return str(planned["id"])
        except Refused as exc:
            form.errors["form"] = "console_outreach_refused"
            log_refusal(exc)
    return await open_events_page(services, staff, csrf, language, form)


async def cancel_open_event(services: Services, staff: Staff, event_id: str) -> Page | None:
    found = await services.open_event(event_id)
    if found is None:
        return Page("message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404)
    if not any(may_act_for(staff, h) for h in found["hosts"]):
        return forbidden()
    try:
        await services.cancel_open_event(event_id, staff.email)
    except Refused:
        return None  # cancelled already
    return None


async def campaigns_page(
    services: Services, staff: Staff, csrf: str, form: CampaignForm | None = None
) -> Page:
    current = await services.agencies(fresh=True)
    return Page(
        "console_campaigns.html.j2",
        {
            "csrf_token": csrf,
            "campaigns": await services.campaigns(),
            "askers": may_plan_for(staff, current),
            "form": form or CampaignForm(),
        },
        400 if form is not None and form.errors else 200,
    )


async def plan_campaign(
    services: Services, staff: Staff, pairs: list[tuple[str, str]], csrf: str
) -> Page | str:
    current = await services.agencies(fresh=True)
    form = CampaignForm.from_pairs(pairs, {a["code"] for a in may_plan_for(staff, current)})
    if not form.errors:
        try:
            return await services.plan_campaign(form.body(), staff.email)
        except Refused as exc:
            form.errors["form"] = "console_outreach_refused"
            log_refusal(exc)
    return await campaigns_page(services, staff, csrf, form)


async def campaign_page(
    services: Services, staff: Staff, campaign_id: str, csrf: str, problem: str | None = None
) -> Page:
    found = await services.campaign(campaign_id)
    if found is None:
        return Page("message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404)
    audience = (
        await services.campaign_audience(campaign_id)
        if found["figures"]["state"] == "draft"
        else None
    )
    return Page(
        "console_campaign.html.j2",
        {
            "csrf_token": csrf,
            "campaign": found,
            "figures": found["figures"],
            "audience_now": audience,
            "may_act": staff.network_coordinator
            or any(may_act_for(staff, a) for a in found.get("agencies", [])),
            "problem": problem,
        },
        400 if problem else 200,
    )


async def campaign_action(
    services: Services, staff: Staff, campaign_id: str, action: str, csrf: str
) -> Page | None:
    """None when done; else the campaign's page saying why not."""
    found = await services.campaign(campaign_id)
    if found is None:
        return Page("message.html.j2", {"title": "not_found_title", "text": "not_found_text"}, 404)
    if not (staff.network_coordinator or any(may_act_for(staff, a) for a in found["agencies"])):
        return forbidden()
    try:
        await services.campaign_action(campaign_id, action, staff.email)
    except Refused as exc:
        log_refusal(exc)
        return await campaign_page(services, staff, campaign_id, csrf, "console_outreach_refused")
    return None


def log_refusal(exc: Refused) -> None:
    logger.info("outreach refused a console request", status=exc.status, code=exc.code)
