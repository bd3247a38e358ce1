"""JobStream ads as vacancy events, without servers."""

from datetime import timedelta

from myndnet_ingest.domain.jobstream import (
    Decision,
    Known,
    Skipped,
    decide,
    employment_type,
    occupation_field,
    organisation_number,
    revision,
)
from myndnet_schemas.clock import stockholm_today
from myndnet_schemas.events import VacancyPublished, VacancyUpdated, VacancyWithdrawn
from myndnet_testing.jobstream import ad, removal

CSN = "202100-5489"
MEMBERS = {CSN: "csn"}
TODAY = stockholm_today()


def test_a_member_s_ad_becomes_its_vacancy_with_the_contract_s_fields():
    decided = decide(
        ad("24681357", CSN, "Systemutvecklare", stamp=1_700_000_000_000), MEMBERS, None, TODAY
    )
    assert isinstance(decided, Decision) and decided.agency == "csn"
    vacancy = decided.event
    assert isinstance(vacancy, VacancyPublished)
    assert vacancy.vacancy_id == "af-24681357" and vacancy.revision == 1_700_000_000_000
    assert (vacancy.occupation_field.value, vacancy.ssyk) == ("it", "2512")
    assert (vacancy.employment_type.value, vacancy.extent.value) == ("permanent", "full_time")
    assert (vacancy.municipality, vacancy.municipality_code) == ("Sundsvall", "2281")
    assert vacancy.apply_url == "https://jobb.example.se/ansok"
    assert vacancy.application_deadline >= vacancy.published_on


def test_other_employers_and_versions_already_published_give_nothing():
    assert decide(ad("1", "556969-9480", "Konsult"), MEMBERS, None, TODAY) is None
    known = Known("csn", 2_000, TODAY)
    assert decide(ad("2", CSN, "Jurist", stamp=2_000), MEMBERS, known, TODAY) is None
    newer = decide(ad("2", CSN, "Jurist", stamp=3_000), MEMBERS, known, TODAY)
    assert isinstance(newer, Decision) and isinstance(newer.event, VacancyUpdated)


def test_a_removed_ad_is_withdrawn_expired_after_its_deadline_else_cancelled():
    before = Known("csn", 1_000, TODAY + timedelta(days=3))
    cancelled = decide(removal("3", 5_000), MEMBERS, before, TODAY)
    assert isinstance(cancelled, Decision) and isinstance(cancelled.event, VacancyWithdrawn)
    assert cancelled.event.reason.value == "cancelled" and cancelled.known.withdrawn
    after = Known("csn", 1_000, TODAY - timedelta(days=1))
    expired = decide(removal("3", 5_000), MEMBERS, after, TODAY)
    assert isinstance(expired, Decision) and expired.event.reason.value == "expired"
    assert decide(removal("4", 5_000), MEMBERS, None, TODAY) is None  # never published


def test_an_ad_that_cannot_be_mapped_says_why():
    no_place = ad("5", CSN, "Handläggare", municipality="")
    assert decide(no_place, MEMBERS, None, TODAY) == Skipped("5", "the ad names no municipality")
    no_title = ad("6", CSN, "")
    assert isinstance(decide(no_title, MEMBERS, None, TODAY), Skipped)


def test_the_small_mappings():
    assert organisation_number({"employer": {"organization_number": "2021005489"}}) == CSN
    assert organisation_number({"employer": {}}) is None
    assert revision({"publication_date": "2026-01-01T00:00:00"}) == 1_767_225_600_000
    assert occupation_field("2611") == "law" and occupation_field("9999") == "other"
    assert occupation_field("1120") == "management" and occupation_field(None) == "other"
    assert employment_type({"employment_type": {"label": "Sommarjobb / feriejobb"}}) == "summer_job"
    assert employment_type({"duration": {"label": "3 - 6 månader"}}) == "fixed_term"
