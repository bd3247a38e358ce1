"""The network as of 2023 (../shared/contract.md), seeded on first start, with each
organisation's public e-mail domain and website, and its organisation number where a public
register confirms it (docs/seed.md). A field no source confirmed is left
empty rather than guessed."""

from dataclasses import dataclass
from datetime import date

from myndnet_schemas.vocabulary import AgencyKind, AgencyRole

# When these organisations are taken to have joined: the date of the article the network's
# description comes from (Nr 5 2023, 28 November 2023).
SEEDED_AS_OF = date(2023, 11, 28)

A, C, U, M = AgencyKind.AGENCY, AgencyKind.COURT, AgencyKind.UNIVERSITY, AgencyKind.MUNICIPALITY
MEMBER, ASSOCIATED = AgencyRole.MEMBER, AgencyRole.ASSOCIATED


@dataclass(frozen=True)
class SeedAgency:
    code: str
    name: str
    kind: AgencyKind
    role: AgencyRole
    email_domains: tuple[str, ...]
    website: str
    organisation_number: str | None = None


# The courts' own organisation number is Domstolsverket's (202100-2742), which every Swedish
# court shares: given to one of them, the JobStream connector would take every court's ads in
# the country as that court's. The courts and Rättshjälpsmyndigheten (hosted by Sundsvalls
# tingsrätt) write from dom.se.
# fmt: off
SEED: list[SeedAgency] = [
    SeedAgency(
        "bolagsverket", "Bolagsverket", A, MEMBER,
        ("bolagsverket.se",), "https://bolagsverket.se", "202100-5489",
    ),
    SeedAgency(
        "lst-vasternorrland", "Länsstyrelsen Västernorrland", A, MEMBER,
        ("lansstyrelsen.se",), "https://www.lansstyrelsen.se/vasternorrland",
    ),
    SeedAgency(
        "csn", "Centrala studiestödsnämnden (CSN)", A, MEMBER,
        ("csn.se",), "https://www.csn.se", "202100-1819",
    ),
    SeedAgency(
        "fk-it", "Försäkringskassan IT", A, MEMBER,
        ("forsakringskassan.se",), "https://www.forsakringskassan.se", "202100-5521",
    ),
    SeedAgency(
        "spsm", "Specialpedagogiska skolmyndigheten", A, MEMBER,
        ("spsm.se",), "https://www.spsm.se", "202100-5745",
    ),
    SeedAgency("miun", "Mittuniversitetet", U, MEMBER, ("miun.se",), "https://www.miun.se"),
    SeedAgency(
        "spv", "Statens tjänstepensionsverk (SPV)", A, MEMBER,
        ("spv.se",), "https://www.spv.se", "202100-0928",
    ),
    SeedAgency(
        "tullverket", "Tullverket", A, MEMBER,
        ("tullverket.se",), "https://www.tullverket.se", "202100-0969",
    ),
    SeedAgency(
        "kriminalvarden", "Kriminalvården", A, MEMBER,
        ("kriminalvarden.se",), "https://www.kriminalvarden.se", "202100-0225",
    ),
    SeedAgency(
        "fba", "Folke Bernadotteakademin", A, MEMBER,
        ("fba.se",), "https://fba.se", "202100-5380",
    ),
    SeedAgency(
        "rattshjalpsmyndigheten", "Rättshjälpsmyndigheten", A, MEMBER,
        ("dom.se",), "https://www.rattshjalp.se", "202100-6016",
    ),
    SeedAgency(
        "fr-harnosand", "Förvaltningsrätten i Härnösand", C, MEMBER,
        ("dom.se",), "https://www.domstol.se/forvaltningsratten-i-harnosand/",
    ),
    SeedAgency(
        "tr-sundsvall", "Sundsvalls tingsrätt", C, MEMBER,
        ("dom.se",), "https://www.domstol.se/sundsvalls-tingsratt/",
    ),
    SeedAgency(
        "kr-sundsvall", "Kammarrätten i Sundsvall", C, MEMBER,
        ("dom.se",), "https://www.domstol.se/kammarratten-i-sundsvall/",
    ),
    SeedAgency(
        "hovr-nedre-norrland", "Hovrätten för nedre Norrland", C, MEMBER,
        ("dom.se",), "https://www.domstol.se/hovratten-for-nedre-norrland/",
    ),
    SeedAgency(
        "skatteverket", "Skatteverket", A, MEMBER,
        ("skatteverket.se",), "https://www.skatteverket.se", "202100-5448",
    ),
    SeedAgency(
        "digg", "Myndigheten för digital förvaltning (Digg)", A, MEMBER,
        ("digg.se",), "https://www.digg.se", "202100-6883",
    ),
    SeedAgency(
        "msb", "Myndigheten för samhällsskydd och beredskap (MSB)", A, MEMBER,
        ("msb.se",), "https://www.msb.se", "202100-5984",
    ),
    SeedAgency(
        "sundsvalls-kommun", "Sundsvalls kommun", M, ASSOCIATED,
        ("sundsvall.se",), "https://sundsvall.se", "212000-2411",
    ),
]
# fmt: on
