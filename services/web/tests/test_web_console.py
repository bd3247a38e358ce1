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
