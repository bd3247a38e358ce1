"""Every mail of a mentorship, in both languages and to both roles, renders with and without
its links (plain Python)."""

from datetime import date

import pytest
from myndnet_kit.links import MENTORING_ANSWER, read_link
from myndnet_notify.adapters.mail import Templates
from myndnet_notify.handlers.sending import Sender

KINDS = [
    "match_proposed",
    "match_accepted",
    "match_reminder",
    "match_declined",
    "match_expired",
    "match_ended",
    "checkin",
]
CONTEXT = {
    "language": "sv",
    "match_id": "m-1",
    "recipient": {"name": "Erik Sjöberg", "email": "erik@skv.se", "title": "Enhetschef"},
    "other": {"name": "Maria Holm", "email": "maria@tull.se", "title": "Sektionschef"},
    "other_ref": "person-x",
    "other_agency": "Tullverket",
    "reasons": ["samma kommun (Sundsvall)"],
    "respond_by": "2026-12-10",
    "ends_on": "2027-12-10",
    "reason": "completed",
    "month": 3,
    "answer_by": "2027-01-01",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("role", ["manager", "mentor"])
def test_every_letter_renders_with_and_without_links(kind, language, role):
    templates = Templates()
    with_links = {
        **CONTEXT,
        "role": role,
        "answer_url": "https://myndnet.se/mentorskap/svar?token=a.b",
        "checkin_url": "https://myndnet.se/mentorskap/uppfoljning?token=a.b",
    }
    subject, text, html = templates.render(kind, language, with_links)
    assert "Maria Holm" in subject + text and "Erik Sjöberg" in text
    assert html.startswith("<!doctype html>") and f'lang="{language}"' in html
    if kind in ("match_proposed", "match_reminder"):
        assert with_links["answer_url"] in text and 'href="https://myndnet.se/mentorskap' in html
    if kind == "checkin":
        assert with_links["checkin_url"] in text
    _, plain, _ = templates.render(kind, language, {**CONTEXT, "role": role})
    assert "token=" not in plain


def test_a_proposal_s_link_is_the_recipient_s_own_until_the_answer_date():
    sender = Sender(None, None, None, "https://notify", "https://site", "key")  # type: ignore[arg-type]
    links = sender._mentoring_links("match_proposed", {**CONTEXT, "role": "mentor"}, "https://site")
    token = links["answer_url"].split("token=")[1]
    link = read_link("key", token, MENTORING_ANSWER, date(2026, 12, 10))
    assert link.fields == ("m-1", "mentor") and link.expires_on == date(2026, 12, 10)
    assert (
        Sender(None, None, None, "n", "s", "")._mentoring_links(  # type: ignore[arg-type]
            "match_proposed", {**CONTEXT, "role": "mentor"}, "s"
        )
        == {}
    )
