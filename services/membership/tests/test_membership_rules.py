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
    assert len({code for code, *_ in SEED}) == 19
    associated = [code for code, _name, _kind, role in SEED if role is AgencyRole.ASSOCIATED]
    assert associated == ["sundsvalls-kommun"]


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
