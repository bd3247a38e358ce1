"""Every kind of letter notify sends, in one place: what causes it, who gets it, its template
and the links it carries. Plain Python: the links are signed or drawn here, stored and sent by
the handlers.

A letter's template is `templates/<kind>.txt.j2` (with `<kind>.html.j2` where the HTML is more
than the text's paragraphs); its subject is `subject.<kind>` in `locales/*/letters.po`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from myndnet_kit.links import (
    EXCHANGE_ANSWER,
    MENTORING_ANSWER,
    MENTORING_CHECKIN,
    OUTREACH_CANCEL,
    OUTREACH_CONFIRM,
    STAFF_SIGN_IN,
    TRAINING_CANCEL,
    TRAINING_CONFIRM,
    sign_link,
)
from myndnet_schemas.events import (
    CheckinDue,
    EventData,
    MatchAccepted,
    MatchDeclined,
    MatchEnded,
    MatchProposed,
    MatchReminded,
)
from myndnet_schemas.events.trainings import (
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationReminded,
    RegistrationRequested,
    RegistrationWaitlisted,
)

from myndnet_notify.domain.subscriptions import (
    CONFIRM_TOKEN_LIFETIME,
    MANAGE_TOKEN_LIFETIME,
    UNSUBSCRIBE_TOKEN_LIFETIME,
    new_token,
)

CANDIDATE = "candidate"  # the address of a saved search, which gave its consent
WORK = "work"  # a public employee's work address, from their agency's HR system
# An address another service handed over with the letter (`POST /letters`): a person
# registered for an open event, whose address outreach keeps and never puts on a topic.
HANDED = "handed"
NEWS = "news"  # an address that said yes to news from the network (its subscriber id)


@dataclass(frozen=True)
class LetterKind:
    kind: str  # its template and its subject
    to: str  # CANDIDATE or WORK
    links: tuple[str, ...]  # the links it carries, when they can be made
    sent_when: str


LETTERS: dict[str, LetterKind] = {
    letter.kind: letter
    for letter in (
        LetterKind("confirmation", CANDIDATE, ("confirm_url",), "someone signs up for alerts"),
        LetterKind(
            "vacancy_alert",
            CANDIDATE,
            ("unsubscribe_url", "manage_url"),
            "a vacancy opens that an immediate saved search finds",
        ),
        LetterKind(
            "digest",
            CANDIDATE,
            ("unsubscribe_url", "manage_url"),
            "a daily or weekly search's day comes with vacancies still open",
        ),
        LetterKind("match_proposed", WORK, ("answer_url",), "mentoring proposes a match"),
        LetterKind("match_reminder", WORK, ("answer_url",), "the answer date nears unanswered"),
        LetterKind("match_accepted", WORK, (), "both people accepted"),
        LetterKind("match_declined", WORK, (), "one of them declined"),
        LetterKind("match_expired", WORK, (), "nobody answered in time"),
        LetterKind("match_ended", WORK, (), "the programme ended, early or on time"),
        LetterKind("checkin", WORK, ("checkin_url",), "a check-in month comes"),
        LetterKind(
            "training_requested",
            WORK,
            ("confirm_url", "cancel_url"),
            "someone asks for a place on a session",
        ),
        LetterKind("training_confirmed", WORK, ("cancel_url",), "a seat is given"),
        LetterKind("training_waitlisted", WORK, ("cancel_url",), "a place on the waitlist"),
        LetterKind("training_promoted", WORK, ("cancel_url",), "a waiting person gets a seat"),
        LetterKind("training_reminder", WORK, ("cancel_url",), "the session is two days ahead"),
        LetterKind("training_cancelled", WORK, (), "the registration ended"),
        LetterKind("sign_in", WORK, ("sign_in_url",), "a member of staff asks to sign in"),
        LetterKind(
            "event_confirm",
            HANDED,
            ("confirm_url", "cancel_url"),
            "someone registers for an open event",
        ),
        LetterKind(
            "event_confirmed", HANDED, ("cancel_url", "calendar_url"), "a seat at the event"
        ),
        LetterKind("event_waitlisted", HANDED, ("cancel_url",), "the event's seats are taken"),
        LetterKind(
            "event_promoted",
            HANDED,
            ("cancel_url", "calendar_url"),
            "a waiting person gets a seat",
        ),
        LetterKind(
            "event_reminder",
            HANDED,
            ("cancel_url", "calendar_url"),
            "the event is tomorrow",
        ),
        LetterKind("event_cancelled", HANDED, (), "the registration or the event was cancelled"),
        # An assignment's parties (exchange hands them over): the host's coordinators pick,
        # the home agency's approve, the person confirms; each through its own link.
        LetterKind("exchange_pick", HANDED, ("answer_url",), "someone is interested"),
        LetterKind("exchange_approve", HANDED, ("answer_url",), "the host picked one of yours"),
        LetterKind("exchange_confirm", HANDED, ("answer_url",), "both agencies said yes"),
        LetterKind("exchange_reminder", HANDED, ("answer_url",), "a step waited five working days"),
        LetterKind("exchange_declined", HANDED, (), "one of the three said no"),
        LetterKind("exchange_agreed", HANDED, (), "the person confirmed"),
        LetterKind(
            "exchange_closed", HANDED, (), "the assignment closed, was withdrawn or went to another"
        ),
        LetterKind(
            "staff_vacancy_alert",
            WORK,
            ("manage_url",),
            "a vacancy for staff only opens that an internal alert asks for",
        ),
        LetterKind(
            "campaign",
            NEWS,
            ("visit_url", "unsubscribe_url", "manage_url"),
            "a campaign's window opens for someone who said yes to news",
        ),
    )
}

# The public site's pages that the links open (the English ones under /en).
SITE_PAGES = {
    "confirmation": "/bevakning/bekrafta",
    "manage": "/bevakning/hantera",
    "answer": "/mentorskap/svar",
    "checkin": "/mentorskap/uppfoljning",
    "training_confirm": "/utbildningar/bekrafta",
    "training_cancel": "/utbildningar/avboka",
    "sign_in": "/logga-in/lank",
    "event_confirm": "/evenemang/bekrafta",
    "event_cancel": "/evenemang/avboka",
    "events": "/evenemang",
    "campaign": "/kampanj",
    "exchange_answer": "/uppdrag/svar",
    "staff_alerts": "/internt/bevakning",
}


# -- who is told of what --------------------------------------------------------------------


@dataclass(frozen=True)
class MatchLetter:
    kind: str
    step: str  # one letter a person and step, however often the event is delivered
    roles: tuple[str, ...]  # who gets it: manager, mentor


def match_letter(data: EventData) -> MatchLetter | None:
    """The letter a step of a match is told in, and to whom."""
    if isinstance(data, MatchProposed):
        return MatchLetter("match_proposed", "proposed", ("manager", "mentor"))
    if isinstance(data, MatchAccepted):
        return MatchLetter("match_accepted", "accepted", ("manager", "mentor"))
    if isinstance(data, MatchReminded):
        return MatchLetter("match_reminder", "reminder", tuple(r.value for r in data.waiting_for))
    if isinstance(data, MatchDeclined):
        by = data.declined_by.value
        if by == "expiry":
            return MatchLetter("match_expired", "expired", ("manager", "mentor"))
        if by == "mentor":  # the manager is told kindly that a new proposal follows
            return MatchLetter("match_declined", "declined", ("manager",))
        # the mentor told kindly, the manager that a new one follows
        return MatchLetter("match_declined", "declined", ("mentor", "manager"))
    if isinstance(data, MatchEnded):
        return MatchLetter("match_ended", "ended", ("manager", "mentor"))
    if isinstance(data, CheckinDue):
        return MatchLetter("checkin", f"checkin-{data.month}", ("manager", "mentor"))
    return None


# A registration's letters go to the person it is for.
TRAINING_LETTERS: dict[type[EventData], str] = {
    RegistrationRequested: "training_requested",
    RegistrationConfirmed: "training_confirmed",
    RegistrationWaitlisted: "training_waitlisted",
    RegistrationPromoted: "training_promoted",
    RegistrationCancelled: "training_cancelled",
    RegistrationReminded: "training_reminder",
}


# -- links ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkToken:
    """A token a candidate's link carries, stored as its hash: `confirm` and `unsubscribe`
    belong to a saved search, `manage` to an address."""

    token_hash: bytes
    purpose: str
    owner: str
    lifetime: timedelta
    preferences: dict[str, Any] | None = None


@dataclass(frozen=True)
class Links:
    urls: dict[str, str]
    tokens: list[LinkToken]  # to store before the letter leaves

    @property
    def unsubscribe_url(self) -> str | None:
        return self.urls.get("unsubscribe_url")


def site_of(site_url: str, language: str) -> str:
    return site_url + ("/en" if language == "en" else "")


def candidate_links(
    kind: str,
    site: str,
    notify_url: str,
    subscription_id: str,
    subscriber_id: str,
    preferences: dict[str, Any] | None = None,
) -> Links:
    """A confirmation's link, or an alert's and a digest's links to stop it (one click, at
    notify itself, RFC 8058) and to the address's preference centre."""
    if kind == "confirmation":
        token, digest = new_token()
        confirm = LinkToken(digest, "confirm", subscription_id, CONFIRM_TOKEN_LIFETIME, preferences)
        return Links(
            {"confirm_url": f"{site}{SITE_PAGES['confirmation']}?token={token}"}, [confirm]
        )
    stop, stop_digest = new_token()
    manage, manage_digest = new_token()
    return Links(
        {
            "unsubscribe_url": f"{notify_url}/unsubscribe?token={stop}",
            "manage_url": f"{site}{SITE_PAGES['manage']}?token={manage}",
        },
        [
            LinkToken(stop_digest, "unsubscribe", subscription_id, UNSUBSCRIBE_TOKEN_LIFETIME),
            LinkToken(manage_digest, "manage", subscriber_id, MANAGE_TOKEN_LIFETIME),
        ],
    )


def work_links(kind: str, context: Mapping[str, Any], site: str, key: str) -> dict[str, str]:
    """A public employee's own links, signed for mentoring or trainings to trust. Without a
    key (LINK_SIGNING_KEY) there are none, and the letter says to answer the coordinator."""
    if kind == "staff_vacancy_alert":  # managed on the site, signed in
        return {"manage_url": f"{site}{SITE_PAGES['staff_alerts']}"}
    if not key:
        return {}
    if kind in ("match_proposed", "match_reminder"):
        fields = (context["match_id"], context["role"])
        token = sign_link(key, MENTORING_ANSWER, fields, date.fromisoformat(context["respond_by"]))
        return {"answer_url": f"{site}{SITE_PAGES['answer']}?token={token}"}
    if kind == "sign_in":  # membership accepts it once, until the link's expiry
        until = date.fromisoformat(context["expires_on"])
        token = sign_link(key, STAFF_SIGN_IN, (context["link_id"],), until)
        return {"sign_in_url": f"{site}{SITE_PAGES['sign_in']}?token={token}"}
    if kind == "checkin":
        checkin = (context["match_id"], context["role"], str(context["month"]))
        until = date.fromisoformat(context["answer_by"])
        token = sign_link(key, MENTORING_CHECKIN, checkin, until)
        return {"checkin_url": f"{site}{SITE_PAGES['checkin']}?token={token}"}
    if kind.startswith("event_"):
        return event_links(kind, context, site, key)
    if kind.startswith("exchange_"):
        if "answer_url" not in LETTERS[kind].links or not context.get("step"):
            return {}
        fields = (context["interest_id"], context["step"])
        token = sign_link(key, EXCHANGE_ANSWER, fields, date.fromisoformat(context["answer_by"]))
        return {"answer_url": f"{site}{SITE_PAGES['exchange_answer']}?token={token}"}
    if "cancel_url" not in LETTERS[kind].links:
        return {}
    registration = (context["registration_id"],)
    session_day = date.fromisoformat(context["session_day"])
    cancel = sign_link(key, TRAINING_CANCEL, registration, session_day)
    links = {"cancel_url": f"{site}{SITE_PAGES['training_cancel']}?token={cancel}"}
    if kind == "training_requested":
        until = date.fromisoformat(context["confirm_by"])
        confirm = sign_link(key, TRAINING_CONFIRM, registration, until)
        links["confirm_url"] = f"{site}{SITE_PAGES['training_confirm']}?token={confirm}"
    return links


def event_links(kind: str, context: Mapping[str, Any], site: str, key: str) -> dict[str, str]:
    """An open event's registrant's links, signed for outreach to trust: confirm (until the
    day outreach gave), cancel (until the event's day), and the event's calendar file."""
    links: dict[str, str] = {}
    event_id = (context.get("event") or {}).get("event_id")
    if "calendar_url" in LETTERS[kind].links and event_id:
        links["calendar_url"] = f"{site}{SITE_PAGES['events']}/{event_id}.ics"
    if "cancel_url" not in LETTERS[kind].links:
        return links
    registration = (context["registration_id"],)
    day = date.fromisoformat(context["event_day"])
    cancel = sign_link(key, OUTREACH_CANCEL, registration, day)
    links["cancel_url"] = f"{site}{SITE_PAGES['event_cancel']}?token={cancel}"
    if kind == "event_confirm":
        until = date.fromisoformat(context["confirm_by"])
        confirm = sign_link(key, OUTREACH_CONFIRM, registration, until)
        links["confirm_url"] = f"{site}{SITE_PAGES['event_confirm']}?token={confirm}"
    return links


def news_links(site: str, notify_url: str, campaign_id: str, subscriber_id: str) -> Links:
    """A campaign mail's links: the campaign's (through the site's counting redirect), the
    one-click withdrawal of the yes to news (at notify itself, RFC 8058; the campaign it came
    from counted), and the address's preference centre."""
    stop, stop_digest = new_token()
    manage, manage_digest = new_token()
    return Links(
        {
            "visit_url": f"{site}{SITE_PAGES['campaign']}/{campaign_id}",
            "unsubscribe_url": f"{notify_url}/unsubscribe/news?token={stop}",
            "manage_url": f"{site}{SITE_PAGES['manage']}?token={manage}",
        },
        [
            LinkToken(
                stop_digest,
                "news",
                subscriber_id,
                UNSUBSCRIBE_TOKEN_LIFETIME,
                {"campaign_id": campaign_id},
            ),
            LinkToken(manage_digest, "manage", subscriber_id, MANAGE_TOKEN_LIFETIME),
        ],
    )
