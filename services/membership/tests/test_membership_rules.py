"""The register's rules, without servers."""

from datetime import date

import pytest
from myndnet_membership.domain import agencies as rules
from myndnet_membership.domain.agencies import (
    AgencyConflict,
    InvalidOrganisationNumber,
    normalise_organisation_number,
)
from myndnet_membership.domain.seed import SEED
from myndnet_schemas.vocabulary import AgencyKind, AgencyRole, AgencyStatus

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize("number", ["202100-5489", "2021005489", "202100-5232"])
def test_valid_organisation_numbers_are_normalised(number):
    assert (
        normalise_organisation_number(number) == f"{number.replace('-', '')[:6]}-"
        f"{number.replace('-', '')[6:]}"
    )


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("202100-5488", "wrong check digit"),
        ("19800101-1234", "ten digits"),
        ("800101-1235", "third digit must be 2 or more"),
        ("abc", "ten digits"),
    ],
)
def test_invalid_organisation_numbers_say_why(number, words):
    with pytest.raises(InvalidOrganisationNumber, match=words):
        normalise_organisation_number(number)


def test_the_seed_is_the_contracts_nineteen_organisations():
    assert len(SEED) == 19
    assert len({seed.code for seed in SEED}) == 19
    associated = [seed.code for seed in SEED if seed.role is AgencyRole.ASSOCIATED]
    assert associated == ["sundsvalls-kommun"]


def test_every_seed_organisation_joins_with_its_domains_and_website_and_numbers_that_check():
    for seed in SEED:
        joined = rules.seeded(seed, TODAY)  # the organisation numbers pass the Luhn check
        assert joined.email_domains and all("." in d for d in joined.email_domains)
        assert joined.website and joined.website.startswith("https://")
    csn = next(rules.seeded(s, TODAY) for s in SEED if s.code == "csn")
    assert csn.email_domains == ("csn.se",) and csn.organisation_number == "202100-1819"


def test_a_seed_organisation_without_details_gets_them_and_an_operators_choice_stays():
    seed = next(s for s in SEED if s.code == "digg")
    bare = agency()
    completed = rules.with_seed_details(bare, seed)
    assert completed is not None and completed.email_domains == ("digg.se",)
    assert completed.organisation_number == "202100-6883"
    chosen = rules.update(bare, {"website": "https://example.se"})
    assert rules.with_seed_details(chosen, seed) is None
    assert rules.with_seed_details(rules.leave(bare, TODAY), seed) is None


def agency():
    return rules.new_agency("digg", "Digg", AgencyKind.AGENCY, AgencyRole.MEMBER, TODAY)


def test_leaving_twice_and_changing_a_departed_agency_are_refused():
    left = rules.leave(agency(), TODAY)
    assert left.status is AgencyStatus.LEFT and left.left_on == TODAY
    with pytest.raises(AgencyConflict, match="already left"):
        rules.leave(left, TODAY)
    with pytest.raises(AgencyConflict, match="register it again"):
        rules.update(left, {"name": "Digg 2"})


def test_a_departed_agency_can_rejoin_but_an_active_one_is_a_conflict():
    with pytest.raises(AgencyConflict, match="already registered"):
        rules.rejoin(agency(), "Digg", AgencyKind.AGENCY, AgencyRole.MEMBER, TODAY)
    back = rules.rejoin(
        rules.leave(agency(), TODAY),
        "Digg",
        AgencyKind.AGENCY,
        AgencyRole.ASSOCIATED,
        date(2027, 1, 1),
    )
    assert back.status is AgencyStatus.ACTIVE and back.left_on is None
    assert back.joined_on == date(2027, 1, 1) and back.role is AgencyRole.ASSOCIATED
