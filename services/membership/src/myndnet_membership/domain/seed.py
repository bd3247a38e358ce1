"""The network as of 2023 (../shared/contract.md), seeded on first start."""

from datetime import date

from myndnet_schemas.vocabulary import AgencyKind, AgencyRole

# When these organisations are taken to have joined: the date of the article the network's
# description comes from (Nr 5 2023, 28 November 2023).
SEEDED_AS_OF = date(2023, 11, 28)

A, C, U, M = AgencyKind.AGENCY, AgencyKind.COURT, AgencyKind.UNIVERSITY, AgencyKind.MUNICIPALITY
MEMBER, ASSOCIATED = AgencyRole.MEMBER, AgencyRole.ASSOCIATED

SEED: list[tuple[str, str, AgencyKind, AgencyRole]] = [
    ("bolagsverket", "Bolagsverket", A, MEMBER),
    ("lst-vasternorrland", "Länsstyrelsen Västernorrland", A, MEMBER),
    ("csn", "Centrala studiestödsnämnden (CSN)", A, MEMBER),
    ("fk-it", "Försäkringskassan IT", A, MEMBER),
    ("spsm", "Specialpedagogiska skolmyndigheten", A, MEMBER),
    ("miun", "Mittuniversitetet", U, MEMBER),
    ("spv", "Statens tjänstepensionsverk (SPV)", A, MEMBER),
    ("tullverket", "Tullverket", A, MEMBER),
    ("kriminalvarden", "Kriminalvården", A, MEMBER),
    ("fba", "Folke Bernadotteakademin", A, MEMBER),
    ("rattshjalpsmyndigheten", "Rättshjälpsmyndigheten", A, MEMBER),
    ("fr-harnosand", "Förvaltningsrätten i Härnösand", C, MEMBER),
    ("tr-sundsvall", "Sundsvalls tingsrätt", C, MEMBER),
    ("kr-sundsvall", "Kammarrätten i Sundsvall", C, MEMBER),
    ("hovr-nedre-norrland", "Hovrätten för nedre Norrland", C, MEMBER),
    ("skatteverket", "Skatteverket", A, MEMBER),
    ("digg", "Myndigheten för digital förvaltning (Digg)", A, MEMBER),
    ("msb", "Myndigheten för samhällsskydd och beredskap (MSB)", A, MEMBER),
    ("sundsvalls-kommun", "Sundsvalls kommun", M, ASSOCIATED),
]
