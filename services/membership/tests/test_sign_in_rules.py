"""Who may sign in as what, and the limits on asking: the rules without servers."""

from datetime import UTC, date, datetime

from myndnet_membership.domain.agencies import Agency, leave, new_agency, update
from myndnet_membership.domain.sign_in import (
    LINK_LIFETIME,
    LINKS_A_CLIENT,
    LINKS_AN_ADDRESS,
    link_request,
    over_the_limit,
    roles_of,
)
from myndnet_schemas.vocabulary import AgencyKind, AgencyRole

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def agency(code: str, domains: tuple[str, ...], coordinators: tuple[str, ...] = ()) -> Agency:
    return new_agency(
        code,
        code.upper(),
        AgencyKind.AGENCY,
        AgencyRole.MEMBER,
        date(2020, 1, 1),
        email_domains=domains,
        coordinators=coordinators,
    )


AGENCIES = [
    agency("csn", ("csn.se",), ("Kim.Coordinator@CSN.se ",)),
    agency("skatteverket", ("skatteverket.se",)),
]


def test_staff_are_of_the_agency_whose_domain_their_address_has():
    person = roles_of(" Anna.Andersson@CSN.SE", AGENCIES, [])
    assert person.email == "anna.andersson@csn.se"
    assert person.staff_of == "csn" and person.known
    assert not person.coordinator and not person.acts_for("csn")


def test_an_agencys_coordinator_acts_for_that_agency_only():
    person = roles_of("kim.coordinator@csn.se", AGENCIES, [])
    assert person.coordinates == ("csn",) and person.coordinator
    assert person.acts_for("csn") and not person.acts_for("skatteverket")


def test_the_networks_coordinators_act_for_every_agency_whatever_their_domain():
    person = roles_of("Samordnare@myndnet.test", AGENCIES, [" samordnare@myndnet.test", ""])
    assert person.network_coordinator and person.staff_of is None
    assert person.acts_for("csn") and person.acts_for("skatteverket")


def test_an_address_of_no_agency_or_of_one_that_left_is_not_known():
    assert not roles_of("anna@gmail.com", AGENCIES, []).known
    assert not roles_of("csn.se@evil.example", AGENCIES, []).known
    assert not roles_of("a\x00b@csn.se", AGENCIES, []).known
    assert not roles_of("a@b@csn.se", AGENCIES, []).known
    departed = [leave(AGENCIES[0], date(2026, 1, 1)), AGENCIES[1]]
    assert not roles_of("anna.andersson@csn.se", departed, []).known
    assert not roles_of("kim.coordinator@csn.se", departed, []).coordinator


def test_coordinators_are_kept_in_lower_case_each_once():
    changed = update(AGENCIES[1], {"coordinators": ["A@Skatteverket.se", "a@skatteverket.se "]})
    assert changed.coordinators == ("a@skatteverket.se",)
    assert changed.state().coordinators == ["a@skatteverket.se"]


def test_the_limits_count_an_address_and_a_client_apart():
    assert not over_the_limit(LINKS_AN_ADDRESS - 1, LINKS_A_CLIENT - 1)
    assert over_the_limit(LINKS_AN_ADDRESS, 0)
    assert over_the_limit(0, LINKS_A_CLIENT)


def test_a_request_keeps_the_address_only_when_a_link_is_mailed():
    known = link_request(
        "Anna.Andersson@csn.se", "10.0.0.1", roles_of("anna@csn.se", AGENCIES, []), NOW
    )
    assert known.email == "anna.andersson@csn.se"
    assert known.expires_at == NOW + LINK_LIFETIME
    unknown = link_request(
        "anna@gmail.com", "10.0.0.1", roles_of("anna@gmail.com", AGENCIES, []), NOW
    )
    assert unknown.email is None and unknown.address_sha256 != known.address_sha256
    assert unknown.client_sha256 == known.client_sha256
    assert len({known.link_id, unknown.link_id}) == 2
