"""notify's letters come from its gettext catalogues: the same ids in both languages, every id
the templates name among them, plurals by each language's rule, days as each writes them (no
servers)."""

from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from myndnet_kit.i18n import MissingMessage, install
from myndnet_notify.adapters.mail import LANGUAGES, Templates
from myndnet_testing.catalogues import ids_used

NOTIFY = Path(__file__).parents[1] / "src" / "myndnet_notify"
VACANCY = {
    "title": "Utredare",
    "agency_name": "CSN",
    "municipality": "Sundsvall",
    "application_deadline": "2027-01-31",
    "apply_url": "https://example.se/jobb/1",
}
LINKS = {"manage_url": "https://s/hantera", "unsubscribe_url": "https://n/unsubscribe"}


def test_both_catalogues_have_the_same_ids_and_every_one_the_letters_name():
    templates = Templates()
    sv, en = (set(templates.catalogues[language].messages) for language in LANGUAGES)
    assert sv == en
    used = ids_used(NOTIFY / "templates")
    assert len(used) > 40, used
    assert used - sv == set()


@pytest.mark.parametrize(
    ("language", "count", "subject", "intro"),
    [
        ("sv", 1, "1 nytt jobb i Myndighetsnätverket", "1 nytt jobb som matchar"),
        ("sv", 2, "2 nya jobb i Myndighetsnätverket", "2 nya jobb som matchar"),
        ("en", 1, "1 new job in Myndighetsnätverket", "1 new job matching"),
        ("en", 2, "2 new jobs in Myndighetsnätverket", "2 new jobs matching"),
    ],
)
def test_a_digest_counts_its_jobs_in_the_language_s_plural(language, count, subject, intro):
    context = {"vacancies": [VACANCY] * count, **LINKS}
    written, text, html = Templates().render("digest", language, context)
    assert written == subject
    assert text.startswith(intro) and intro in html
    day = "31 januari 2027" if language == "sv" else "31 January 2027"
    assert day in text and day in html


def test_a_missing_message_stops_the_letters_from_loading_rather_than_reaching_anyone():
    templates = Templates()
    del templates.catalogues["en"].messages["alert.intro"]  # as if a translator lost it
    assert templates._compile("sv")
    with pytest.raises(MissingMessage, match=r"alert\.intro"):
        templates._compile("en")


EVERYTHING = {
    "vacancies": [VACANCY, {**VACANCY, "title": "Jurist & <utredare>"}],
    **LINKS,
    "confirm_url": "https://s/bekrafta?token=c",
    "answer_url": "https://s/svar?token=a",
    "checkin_url": "https://s/uppfoljning?token=u",
    "cancel_url": "https://s/avboka?token=x",
    "sign_in_url": "https://s/logga-in/lank?token=l",
    "expires": "10:15",
    "recipient": {"name": "Anna Åkesson"},
    "other": {"name": "Bo Berg", "title": "Enhetschef", "email": "bo.berg@csn.se"},
    "other_agency": "CSN",
    "agency_name": "Skatteverket",
    "host_name": "SPV",
    "reasons": ["Samma kompetensområde"],
    "respond_by": "2027-01-20",
    "answer_by": "2027-03-01",
    "ends_on": "2027-12-31",
    "confirm_by": "2027-01-27",
    "month": 3,
    "place": 2,
    "session": {"course_title": "Ledarskap i staten", "place": "Mittuniversitetet", "online": True},
    "starts": "2027-02-10 09:00",
    "ends": "2027-02-10 16:00",
    "event": {
        "event_id": "oe-1",
        "title": "Karriärdag",
        "place": "Mittuniversitetet",
        "online_url": "https://example.se/live",
    },
    "event_day": "2027-02-10",
    "campaign_subject": "Karriärdag",
    "campaign_text": "Välkommen till karriärdagen.",
    "visit_url": "https://s/kampanj/cmp-1",
    "calendar_url": "https://s/evenemang/oe-1.ics",
    "assignment": {
        "host": "spv",
        "host_name": "SPV",
        "assignment_id": "U-1",
        "title": "Informationssäkerhet i tre månader",
        "kind": "loan",
        "first_day": "2027-03-01",
        "last_day": "2027-05-31",
        "percent": 50,
    },
    "person": {"email": "ada@csn.se", "home_name": "CSN"},
    "note": "Jag har arbetat med ISO 27001.",
    "step": "host",
    "by": "host",
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "variant",
    [
        {"role": "manager", "reason": "completed", "because": "deadline"},
        {
            "role": "mentor",
            "reason": "mentor_withdrawn",
            "because": "session_cancelled",
            "by": "home",
        },
        {"role": "mentor", "reason": "other", "because": "event", "calendar_url": None},
        {"role": "manager", "reason": "mentor_withdrawn", "because": "agency_left", "month": 1},
        {
            "role": "manager",
            "reason": "other",
            "because": "filled",
            "by": "person",
            "step": "person",
        },
        {"role": "manager", "reason": "other", "because": "withdrawn", "note": ""},
        {
            "role": "mentor",
            "reason": "other",
            "because": "person",
            "answer_url": None,
            "checkin_url": None,
            "confirm_url": None,
            "cancel_url": None,
            "sign_in_url": None,
        },
    ],
)
def test_the_letters_written_in_at_loading_read_as_jinja_s_own_i18n_renders_them(language, variant):
    """The words written into the sources say exactly what `jinja2.ext.i18n` says at render."""
    templates = Templates()
    catalogue = templates.catalogues[language]
    runtime = Environment(
        loader=FileSystemLoader(NOTIFY / "templates"),
        autoescape=select_autoescape(["html.j2"]),
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    install(runtime, catalogue)
    context = {**EVERYTHING, **variant, "language": language, "subject": "S"}
    kinds = 0
    for name, template in templates.compiled[language].items():
        if name.startswith("_") or name in ("base.html.j2", "letter.html.j2"):
            continue
        assert template.render(context) == runtime.get_template(name).render(context), name
        kinds += 1
    assert kinds == 36  # 32 kinds of letter, 4 with HTML of their own
