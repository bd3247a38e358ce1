"""Staff's pages: asking for a sign-in link, following it, the account page and signing out.
Each gathers what membership says and returns the page; the cookie is the entrypoint's."""

from dataclasses import dataclass

from myndnet_web.adapters.services import Services
from myndnet_web.domain.staff import SignInForm, Staff
from myndnet_web.handlers.site import Page


def sign_in_form(form: SignInForm | None = None, status: int = 200) -> Page:
    return Page("sign_in.html.j2", {"form": form or SignInForm()}, status)


def message(title: str, text: str, status: int = 200) -> Page:
    return Page("message.html.j2", {"title": title, "text": text}, status)


async def ask_for_link(
    services: Services, form: SignInForm, client: str, language: str
) -> Page | None:
    """None when the link was asked for (known address or not: the same for both)."""
    if form.errors:
        return sign_in_form(form, 400)
    if not await services.ask_for_sign_in_link(form.email, client, language):
        return message("sign_in_limited_title", "sign_in_limited_text", 429)
    return None


@dataclass(frozen=True)
class Opened:
    session: str
    staff: Staff


async def follow_link(services: Services, token: str) -> Opened | Page:
    ok, answer = await services.open_staff_session(token)
    if not ok:
        if answer.get("code") in ("used", "expired"):
            return message("sign_in_link_used_title", "sign_in_link_used_text", 410)
        return message("invalid_link_title", "invalid_link_text", 400)
    return Opened(answer["session"], Staff.from_membership(answer["session"], answer))


async def signed_in(services: Services, session: str | None) -> Staff | None:
    """The member of staff whose live session this is, when membership still knows them."""
    if session is None:
        return None
    answer = await services.staff_session(session)
    return Staff.from_membership(session, answer) if answer is not None else None


async def account(services: Services, staff: Staff, csrf: str) -> Page:
    agencies = {a["code"]: a["name"] for a in await services.agencies()}
    return Page(
        "account.html.j2",
        {
            "staff": staff,
            "csrf_token": csrf,
            "agency_name": agencies.get(staff.staff_of or "", staff.staff_of),
            "coordinates": [agencies.get(code, code) for code in staff.coordinates],
        },
    )
