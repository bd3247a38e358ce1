"""Every mail of a mentorship, in both languages and to both roles, renders with and without
its links; every message is built as the e-mail standards read it; each letter finds its
addressee (plain Python)."""

from dataclasses import replace
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import strict
from email.utils import parsedate_to_datetime
from types import SimpleNamespace

import pytest
from myndnet_kit.links import MENTORING_ANSWER, read_link
from myndnet_notify.adapters.mail import (
    LetterEnvironment,
    Templates,
    build_message,
    encoded_words,
)
from myndnet_notify.adapters.memory import MemoryNotify
from myndnet_notify.domain.delivery import Addressee, SearchAddress, addressee
from myndnet_notify.domain.letters import work_links
from myndnet_notify.handlers.handed_letters import HandedLetter, forget, take

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


JOBS = [
    {
        "title": "Systemutvecklare <Java> & drift",  # escaped in HTML, as it is in text
        "agency_name": "Centrala studiestödsnämnden",
        "municipality": "Sundsvall",
        "application_deadline": "2027-01-31",
        "apply_url": "https://example.se/jobb/V-1",
    },
    {
        "title": "Bolagsjurist",
        "agency_name": "Bolagsverket",
        "municipality": "Sundsvall",
        "application_deadline": "2027-02-15",
        "apply_url": "https://example.se/jobb/V-2",
    },
]


@pytest.mark.parametrize("kind", ["vacancy_alert", "digest", "confirmation"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_job_letter_renders_in_both_languages_with_its_links(kind, language):
    links = {
        "unsubscribe_url": "https://notify.myndnet.se/unsubscribe?token=u1",
        "manage_url": "https://myndnet.se/bevakning/hantera?token=m1",
        "confirm_url": "https://myndnet.se/bevakning/bekrafta?token=c1",
    }
    jobs = JOBS[:1] if kind == "vacancy_alert" else JOBS
    subject, text, html = Templates().render(kind, language, {"vacancies": jobs, **links})
    assert html.startswith("<!doctype html>") and f'lang="{language}"' in html
    if kind == "confirmation":
        assert links["confirm_url"] in text and links["confirm_url"] in html
        return
    assert (
        subject
        == {
            ("vacancy_alert", "sv"): "Nytt jobb: Systemutvecklare <Java> & drift",
            ("vacancy_alert", "en"): "New job: Systemutvecklare <Java> & drift",
            ("digest", "sv"): "2 nya jobb i Myndighetsnätverket",
            ("digest", "en"): "2 new jobs in Myndighetsnätverket",
        }[(kind, language)]
    )
    for job in jobs:
        assert job["title"] in text and job["apply_url"] in text and job["apply_url"] in html
    assert "Systemutvecklare &lt;Java&gt; &amp; drift" in html and "<Java>" not in html
    assert links["unsubscribe_url"] in text and links["manage_url"] in html


def test_a_proposal_s_link_is_the_recipient_s_own_until_the_answer_date():
    links = work_links("match_proposed", {**CONTEXT, "role": "mentor"}, "https://site", "key")
    token = links["answer_url"].split("token=")[1]
    link = read_link("key", token, MENTORING_ANSWER, date(2026, 12, 10))
    assert link.fields == ("m-1", "mentor") and link.expires_on == date(2026, 12, 10)
    assert work_links("match_proposed", {**CONTEXT, "role": "mentor"}, "s", "") == {}


LONG_SUBJECT = (
    "Nytt jobb: Säkerhetsskyddshandläggare på enheten för informationssäkerhet i Härnösand"
)


@pytest.mark.parametrize(
    "subject",
    [
        "New job: Developer",
        LONG_SUBJECT,
        "ÅÄÖ" * 40,
        "Nytt jobb: Jurist\r\nBcc: alla@example.org",  # an agency's title, line break and all
        "Nytt jobb: " + "Handläggare " * 90,
        "New job: " + "Developer " * 100,
    ],
)
@pytest.mark.parametrize(
    "unsubscribe", [None, "https://notify.myndnet.se/unsubscribe?token=" + "x" * 43]
)
def test_a_built_message_reads_back_exactly_under_the_email_packages_strict_policy(
    subject, unsubscribe
):
    text = "Hej Anna!\n\nEtt nytt jobb som matchar din bevakning: Jurist åäö.\n" * 30
    html = "<p>Ett nytt jobb som matchar din bevakning: <b>Jurist åäö</b></p>\n" * 30
    mail = build_message(
        to="anna@example.org",
        subject=subject,
        text=text,
        html=html,
        message_id="<d-1@myndnet.se>",
        unsubscribe_url=unsubscribe,
        traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01",
    )
    assert all(len(line) <= 998 for line in mail.data.split(b"\r\n"))
    assert b"\n" not in mail.data.replace(b"\r\n", b"")  # every line ends CRLF, as SMTP wants
    message = message_from_bytes(mail.data, policy=strict)
    assert message["Subject"] == subject
    assert message["Bcc"] is None
    assert message["From"] == "Myndighetsnätverket <jobb@myndnet.se>"
    assert message["To"] == "anna@example.org"
    assert message["Message-ID"] == "<d-1@myndnet.se>"
    assert message["Traceparent"].startswith("00-aaaa")
    if unsubscribe:
        assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    else:
        assert message["List-Unsubscribe"] is None
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content() == text
    assert message.get_body(("html",)).get_content() == html
    assert not [part.defects for part in message.walk() if part.defects]


def test_a_letter_is_dated_the_second_it_is_written(monkeypatch):
    """The Date header's text is kept for a second: a letter written later has its own."""
    dates = []
    for now in (1_790_000_000.2, 1_790_000_000.9, 1_790_000_061.5):
        monkeypatch.setattr("myndnet_notify.adapters.mail.time.time", lambda now=now: now)
        mail = build_message(
            to="a@example.org",
            subject="s",
            text="t",
            html="h",
            message_id="<m@x>",
            unsubscribe_url=None,
        )
        dates.append(parsedate_to_datetime(message_from_bytes(mail.data)["Date"]).timestamp())
    assert dates == [1_790_000_000, 1_790_000_000, 1_790_000_061]


def test_an_encoded_subject_never_splits_a_character_nor_exceeds_75_characters_a_word():
    for subject in ("é" * 100, "a" + "ö" * 77, "€" * 31, "x" * 44 + "😀" * 5):
        words = encoded_words(subject).split("\r\n ")
        assert all(len(word) <= 75 for word in words)
        assert str(make_header(decode_header(encoded_words(subject)))) == subject


@pytest.mark.parametrize(
    "to, header", [("anna@exämple.org", "To"), ("anna@example.org\r\nBcc: x@y", "To")]
)
def test_an_address_that_cannot_be_sent_is_refused_before_anything_is_written(to, header):
    with pytest.raises(ValueError):  # UnicodeError is a ValueError: `classify` knows both
        build_message(
            to=to, subject="s", text="t", html="h", message_id="<m@x>", unsubscribe_url=None
        )


def test_a_letter_goes_to_the_work_address_or_the_saved_searchs_or_says_why_not():
    search = SearchAddress("s-1", "p-1", "confirmed", "en", "a@b.se")
    assert addressee("match_proposed", "erik@skv.se", {"language": "en"}, None) == Addressee(
        "erik@skv.se", "en"
    )
    assert addressee("vacancy_alert", None, {}, search) == Addressee("a@b.se", "en")
    assert addressee("vacancy_alert", None, {}, None) == "the subscriber was erased"
    paused = replace(search, status="paused")
    assert addressee("digest", None, {}, paused) == "the subscription is paused"
    bounced = replace(search, suppressed_at=datetime(2026, 11, 1, tzinfo=UTC))
    assert "suppressed" in str(addressee("vacancy_alert", None, {}, bounced))
    # A confirmation goes out while the search is pending, in the form's language.
    pending = replace(bounced, status="pending")
    assert addressee("confirmation", None, {"language": "sv"}, pending) == Addressee("a@b.se", "sv")


def test_a_letters_values_are_read_as_keys_of_dicts_and_attributes_of_objects():
    environment = LetterEnvironment()
    page = environment.from_string("{{ v.title }} {{ v.items }}")
    assert page.render(v={"title": "Jurist", "items": 3}) == "Jurist 3"
    assert page.render(v=SimpleNamespace(title="Jurist", items=4)) == "Jurist 4"
    assert environment.from_string("{{ v.keys() | list }}").render(v={"a": 1}) == "['a']"


def test_the_catalogue_names_every_letter_and_each_has_its_template_and_subject():
    from pathlib import Path

    from myndnet_notify.domain.letters import LETTERS

    shipped = {
        p.name.split(".")[0]
        for p in (Path(__file__).parents[1] / "src/myndnet_notify/templates").glob("*.txt.j2")
        if not p.name.startswith("_")
    }
    assert shipped == set(LETTERS)
    templates = Templates()
    for kind in LETTERS:
        for language in ("sv", "en"):
            context = {"vacancies": [{"title": "Jurist"}], "other": {"name": "Ebba"}}
            assert templates.subject(kind, language, context)


def test_every_letter_is_a_kind_that_notification_sent_can_name():
    """A letter whose kind the event cannot carry would be sent and then fail to be announced,
    and go out again at every retry."""
    from myndnet_notify.domain.letters import LETTERS
    from myndnet_schemas.events.notify import DeliveryKind

    assert set(LETTERS) == {kind.value for kind in DeliveryKind}


async def test_a_letter_handed_over_twice_is_one_delivery_and_none_after_its_person_is_forgotten():
    """outreach hands a letter over again when it did not hear notify's answer (a crash
    between the two): one delivery a key; and a letter for a person erased is refused."""
    store = MemoryNotify()
    letter = HandedLetter(
        "reg-1:event_confirm", "event_confirm", "ada@example.org", "sv", "outreach/reg-1", {}
    )
    assert await take(store, letter) is True
    assert await take(store, letter) is False
    assert len(store.state.deliveries) == 1
    await forget(store, ["outreach/reg-1"])
    [delivery] = store.state.deliveries.values()
    assert delivery.status == "cancelled" and delivery.work_email is None
    later = HandedLetter(
        "reg-1:event_confirmed", "event_confirmed", "ada@example.org", "sv", "outreach/reg-1", {}
    )
    assert await take(store, later) is False
