"""The site's rules without servers: searches as links carry them, alert forms, the sitemap,
the words of every contract value, and the page a person gets when a service is down."""

from xml.etree import ElementTree as ET

import httpx
import pytest
from myndnet_testing import free_port
from myndnet_web.domain.alerts import AlertForm
from myndnet_web.domain.search import Search
from myndnet_web.domain.sitemap import robots_txt, sitemap_xml
from myndnet_web.main import WebSettings, build


def test_a_search_keeps_what_it_knows_and_drops_the_rest():
    search = Search.from_query(
        {
            "q": "  utredare\x00 skatt ",
            "agency": "CSN; drop table",
            "occupation_field": "investigation",
            "remote": "moon",
            "municipality": "Sundsvall",
            "cursor": "abc_-1",
            "start": "20",
        }
    )
    assert search.q == "utredare skatt" and search.agency == ""
    assert search.occupation_field == "investigation" and search.remote == ""
    assert set(search.dropped) == {"agency", "remote"}
    assert search.api_params()["cursor"] == "abc_-1" and search.api_params()["facets"] == "true"
    # A link starts paging over; the next page carries the cursor and where it starts.
    assert search.link("/jobb") == (
        "/jobb?q=utredare+skatt&occupation_field=investigation&municipality=Sundsvall"
    )
    assert search.next_page("/jobb", "NEXT", 20).endswith("&cursor=NEXT&start=40")
    assert search.next_page("/jobb", None, 20) is None
    assert Search.from_query({"cursor": "x y", "start": "1"}).cursor == ""


def test_a_search_becomes_an_alert_s_filters():
    search = Search(q='"skatt" OR tull -a', agency="csn", target_group="students")
    assert search.saved_search_filters() == {
        "agencies": ["csn"],
        "occupation_fields": [],
        "municipalities": [],
        "employment_types": [],
        "target_groups": ["students"],
        "keywords": ["skatt", "tull"],
    }


def test_an_alert_form_says_what_is_wrong_by_field():
    missing = AlertForm.from_form({"frequency": "hourly"}, with_email=True)
    assert missing.errors == {"email": "email_missing", "frequency": "frequency_missing"}
    wrong = AlertForm.from_form({"email": "anna@", "frequency": "daily"}, with_email=True)
    assert wrong.errors == {"email": "email_invalid"}
    alert = AlertForm.from_form(
        {
            "email": "anna@example.org",
            "frequency": "weekly",
            "agency": "csn",
            "occupation_field": "plumbing",
            "keywords": "skatt, tull  x",
            "language": "en",
            "news": "yes",
        },
        with_email=True,
    )
    assert alert.errors == {}
    assert alert.subscription() == {
        "email": "anna@example.org",
        "language": "en",
        "frequency": "weekly",
        "filters": {
            "agencies": ["csn"],
            "occupation_fields": [],
            "municipalities": [],
            "employment_types": [],
            "target_groups": [],
            "keywords": ["skatt", "tull"],
        },
        "news": True,
    }
    assert AlertForm.from_form({"frequency": "daily"}, with_email=False).errors == {}
    assert AlertForm.from_form({"frequency": "daily", "news": "on"}, with_email=False).news is False


def test_the_sitemap_is_valid_xml_with_every_page_and_robots_point_to_it():
    pages = [(f"https://myndnet.se/jobb/csn/{n}", "2026-11-01") for n in range(3)]
    root = ET.fromstring(sitemap_xml([*pages, ("https://myndnet.se/a?b=1&c=<2>", None)]))
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs == [p for p, _ in pages] + ["https://myndnet.se/a?b=1&c=<2>"]
    robots = robots_txt("https://myndnet.se")
    assert "Sitemap: https://myndnet.se/sitemap.xml" in robots
    assert "Disallow: /bevakning/hantera" in robots


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/jobb",
        "/en/jobb",
        "/jobb/csn/X-1",
        "/myndigheter/csn",
        "/utbildningar",
        "/evenemang",
        "/jobba-hos-oss",
        "/student",
    ],
)
async def test_a_service_that_does_not_answer_gives_a_clear_page_not_an_error(path):
    nobody = f"http://127.0.0.1:{free_port()}"
    app = build(
        WebSettings(  # type: ignore[call-arg]
            MEMBERSHIP_URL=nobody,
            VACANCIES_URL=nobody,
            NOTIFY_URL=nobody,
            MENTORING_URL=nobody,
            TRAININGS_URL=nobody,
            OUTREACH_URL=nobody,
            EXCHANGE_URL=nobody,
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://site"
    ) as http:
        response = await http.get(path)
        assert response.status_code == 503 and response.headers["Retry-After"] == "30"
        assert "text/html" in response.headers["content-type"]
        english = path.startswith("/en")
        title = "the service is unavailable" if english else "inte tillgänglig just nu"
        assert title in response.text
        assert f'<html lang="{"en" if english else "sv"}">' in response.text
        ready = await http.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["services"] == {
            "membership": False,
            "vacancies": False,
            "notify": False,
            "mentoring": False,
            "trainings": False,
            "outreach": False,
            "exchange": False,
        }


def test_a_check_in_form_says_what_is_wrong_by_field():
    from myndnet_web.domain.mentorship import CheckinForm

    empty = CheckinForm.from_form({})
    assert set(empty.errors) == {"met", "meetings", "satisfaction"}
    contradictory = CheckinForm.from_form({"met": "no", "meetings": "3", "satisfaction": "2"})
    assert contradictory.errors == {"meetings": "checkin_meetings_without_meeting"}
    not_met = CheckinForm.from_form({"met": "no", "satisfaction": "2"})
    assert not_met.errors == {} and not_met.body("t")["meetings"] == 0
    fine = CheckinForm.from_form(
        {"met": "yes", "meetings": "2", "satisfaction": "5", "comment": " Bra! "}
    )
    assert fine.body("tok") == {
        "token": "tok",
        "met": True,
        "meetings": 2,
        "satisfaction": 5,
        "comment": "Bra!",
    }


def test_the_sign_up_form_starts_from_the_search_a_person_came_from():
    search = Search(q="utredare -chef", agency="csn", municipality="Sundsvall")
    alert = AlertForm.from_search(search, "en")
    assert (alert.agency, alert.municipality, alert.keywords) == ("csn", "Sundsvall", "utredare")
    assert alert.language == "en" and alert.errors == {}


def test_an_alert_form_takes_its_text_as_a_search_does_without_control_characters():
    alert = AlertForm.from_form(
        {
            "keywords": "jurist\x00 ekonom\u202e\r\nBcc",
            "municipality": " Sund\tsvall ",
            "frequency": "daily",
        },
        with_email=False,
    )
    assert alert.keywords == "jurist ekonom Bcc"
    assert alert.municipality == "Sund svall"
    assert alert.filters()["keywords"] == ["jurist", "ekonom", "Bcc"]


AGENCIES = {
    "csn": {"code": "csn", "name": "CSN", "email_domains": ["csn.se"]},
    "skv": {"code": "skv", "name": "Skatteverket", "email_domains": ["skatteverket.se"]},
}


@pytest.mark.parametrize(
    "form, errors",
    [
        ({"name": "Anna", "email": "anna@CSN.se", "agency": "csn"}, {}),
        ({"name": "", "email": "anna@csn.se", "agency": "csn"}, {"name": "training_name_missing"}),
        (
            {"name": "A", "email": "anna@gmail.com", "agency": "csn"},
            {"email": "training_not_work_email"},
        ),
        (
            {"name": "A", "email": "anna@skatteverket.se", "agency": "csn"},
            {"email": "training_not_work_email"},
        ),
        ({"name": "A", "email": "anna", "agency": "csn"}, {"email": "email_invalid"}),
        (
            {"name": "A", "email": "a@x.se", "agency": "lst"},
            {"agency": "training_agency_without_domains"},
        ),
        (
            {"name": "A", "email": "a@x.se", "agency": "Not a code!"},
            {"agency": "training_agency_missing"},
        ),
    ],
)
def test_a_training_registration_form_is_checked_field_by_field(form, errors):
    from myndnet_web.domain.trainings import RegistrationForm

    answer = RegistrationForm.from_form(form, AGENCIES)
    assert answer.errors == errors


def test_refusals_land_on_the_field_they_concern_by_their_code_not_their_words():
    from myndnet_web.domain.alerts import problem_of as alert_problem
    from myndnet_web.domain.trainings import problem_of

    assert problem_of(409, "already_registered") == ("email", "training_already_registered")
    assert problem_of(409, "registration_closed") == ("form", "training_closed")
    assert problem_of(422, "not_work_address") == ("email", "training_not_work_email")
    assert problem_of(422, "unknown_agency") == ("agency", "training_agency_missing")
    assert problem_of(422, None) == ("email", "email_invalid")  # the form failed validation
    assert alert_problem(429, "rate_limited") == ("email", "rate_limited")
    assert alert_problem(422, "too_broad") == ("agency", "too_broad")
    assert alert_problem(422, None) == ("email", "email_invalid")


def test_the_other_language_s_address_of_a_page():
    from myndnet_web.pages import other_language_path

    assert other_language_path("/jobba-hos-oss", "sv") == "/en/work-with-us"
    assert other_language_path("/en/work-with-us", "en") == "/jobba-hos-oss"
    assert other_language_path("/en/students", "en") == "/student"
    assert other_language_path("/jobb", "sv") == "/en/jobb"
    assert other_language_path("/", "sv") == "/en"
    assert other_language_path("/en", "en") == "/"
