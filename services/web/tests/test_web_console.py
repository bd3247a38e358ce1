"""The console's rules without servers: who acts for which agency, and the agency form."""

from myndnet_web.domain.console import AgencyForm, agencies_for, may_act_for, refusal_field
from myndnet_web.domain.staff import Staff
from myndnet_web.handlers.console import logged

AGENCIES = [{"code": "csn", "name": "CSN"}, {"code": "spv", "name": "SPV"}]


def staff(coordinates=(), network=False) -> Staff:
    return Staff("s" * 43, "kim@csn.se", "csn", tuple(coordinates), network)


def test_an_agency_coordinator_acts_for_their_agencies_and_the_network_s_for_all():
    assert agencies_for(staff(["csn"]), AGENCIES) == [AGENCIES[0]]
    assert agencies_for(staff(network=True), AGENCIES) == AGENCIES
    assert may_act_for(staff(["csn"]), "csn") and not may_act_for(staff(["csn"]), "spv")
    assert not staff().coordinator and not may_act_for(staff(), "csn")


def test_the_form_reads_lists_as_people_paste_them_and_empty_clears():
    form = AgencyForm.from_form(
        {
            "email_domains": "CSN.se\n@studera.nu, csn.se",
            "website": "",
            "organisation_number": "",
            "coordinators": " Kim@CSN.se;\r\nbo@csn.se ",
        }
    )
    assert form.errors == {}
    assert form.change() == {
        "email_domains": ["csn.se", "studera.nu", "csn.se"],
        "website": None,
        "organisation_number": None,
        "coordinators": ["kim@csn.se", "bo@csn.se"],
        "profile": None,
    }


def test_the_form_says_which_field_is_wrong():
    form = AgencyForm.from_form(
        {
            "email_domains": "not a domain",
            "website": "http://www.csn.se",
            "organisation_number": "12",
            "coordinators": "kim",
        }
    )
    assert set(form.errors) == {"email_domains", "website", "organisation_number", "coordinators"}
    assert AgencyForm.from_form({"email_domains": "\n".join(f"d{n}.se" for n in range(21))}).errors
    assert refusal_field("organisation_number '202100-1818' has a wrong check digit") == (
        "organisation_number"
    )
    assert refusal_field("'gmail.com' is a public mail service") == "email_domains"


def test_a_logged_action_names_the_fields_it_changed_and_a_key_by_its_id():
    shown = logged(
        {
            "at": "2026-12-07T10:15:42.1+00:00",
            "actor": "kim@csn.se",
            "action": "agency.changed",
            "subject": "csn",
            "details": {"website": [None, "https://x.se"], "name": ["A", "B"]},
        }
    )
    assert shown["at"] == "2026-12-07 11:15" and shown["what"] == "action_agency_changed"
    assert shown["fields"] == ["website"] and shown["other_fields"] == ["name"]
    key = logged(
        {
            **shown,
            "at": "2026-07-01T10:00:00+00:00",
            "action": "http_key.issued",
            "details": {"key_id": "ab"},
        }
    )
    assert key["key_id"] == "ab" and key["fields"] == [] and key["at"] == "2026-07-01 12:00"


def test_the_employer_profile_is_given_a_language_at_a_time_and_needs_its_tagline():
    form = AgencyForm.from_form(
        {
            "profile_sv_tagline": "Vi gör skillnad",
            "profile_sv_benefits": "Flextid\n\n Friskvård \n",
            "profile_en_about": "About us",
        }
    )
    assert form.errors == {"profile_en_tagline": "console_profile_tagline_missing"}
    form = AgencyForm.from_form(
        {"profile_sv_tagline": "Vi gör skillnad", "profile_sv_benefits": "Flextid\n Friskvård"}
    )
    assert form.errors == {}
    assert form.change()["profile"] == {
        "sv": {
            "tagline": "Vi gör skillnad",
            "about": "",
            "benefits": ["Flextid", "Friskvård"],
            "contact": "",
        }
    }
    assert AgencyForm.from_form({}).change()["profile"] is None  # emptied: no profile
    kept = AgencyForm.of({"profile": {"en": {"tagline": "We", "benefits": ["A", "B"]}}})
    assert (
        kept.profile["profile_en_benefits"] == "A\nB" and kept.profile["profile_sv_tagline"] == ""
    )
    many = AgencyForm.from_form(
        {"profile_sv_tagline": "x", "profile_sv_benefits": "\n".join("b" * 13)}
    )
    assert many.errors == {"profile_sv_benefits": "console_profile_benefits_invalid"}
    long_line = AgencyForm.from_form({"profile_en_tagline": "x" * 201})
    assert long_line.errors == {"profile_en_tagline": "console_profile_tagline_too_long"}


def test_every_action_the_log_names_has_words_and_another_is_shown_by_its_name():
    from myndnet_web.domain.texts import CATALOGUES
    from myndnet_web.handlers.console import LOGGED_ACTIONS

    for language in ("sv", "en"):
        for what in LOGGED_ACTIONS:
            assert CATALOGUES[language].gettext(what) != what
    shown = logged(
        {
            "at": "2026-12-07T10:00:00+00:00",
            "actor": "operator",
            "action": "assignment.posted",
            "subject": "c-1",
            "details": {},
        }
    )
    assert shown["what"] == "action_other" and shown["action"] == "assignment.posted"
