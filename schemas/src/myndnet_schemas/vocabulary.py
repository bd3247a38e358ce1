"""Closed vocabularies of the contract."""

from enum import StrEnum


class OccupationField(StrEnum):
    IT = "it"
    LAW = "law"
    FINANCE = "finance"
    ADMINISTRATION = "administration"
    HR = "hr"
    COMMUNICATION = "communication"
    INVESTIGATION = "investigation"
    CUSTOMER_SERVICE = "customer_service"
    MANAGEMENT = "management"
    SECURITY = "security"
    EDUCATION = "education"
    SOCIAL_WORK = "social_work"
    TECHNICAL = "technical"
    OTHER = "other"


class EmploymentType(StrEnum):
    PERMANENT = "permanent"
    FIXED_TERM = "fixed_term"
    TEMPORARY = "temporary"
    SUMMER_JOB = "summer_job"
    TRAINEE = "trainee"
    INTERNSHIP = "internship"
    THESIS = "thesis"


class Extent(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"


class RemoteWork(StrEnum):
    ON_SITE = "on_site"
    HYBRID = "hybrid"
    REMOTE = "remote"


class AssignmentKind(StrEnum):
    LOAN = "loan"  # the person works for the host, employed by the home agency
    SECONDMENT = "secondment"  # tjänstledighet: employed by the host for the period
    GIG = "gig"  # a short assignment beside the person's own work


class OpenTo(StrEnum):
    """What a skills profile says its owner is open to."""

    LOAN = "loan"
    SECONDMENT = "secondment"
    NEW_POST = "new_post"


class Visibility(StrEnum):
    PUBLIC = "public"  # on the site, the API, the feed, the sitemap and candidates' alerts
    NETWORK = "network"  # for the network's staff only, signed in


class TargetGroup(StrEnum):
    STUDENTS = "students"
    GRADUATES = "graduates"
    EXPERIENCED = "experienced"
    MANAGERS = "managers"


class WithdrawalReason(StrEnum):
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class ClosedReason(StrEnum):
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    DEADLINE_PASSED = "deadline_passed"
    AGENCY_LEFT = "agency_left"


class AgencyKind(StrEnum):
    AGENCY = "agency"
    COURT = "court"
    UNIVERSITY = "university"
    MUNICIPALITY = "municipality"


class AgencyRole(StrEnum):
    MEMBER = "member"
    ASSOCIATED = "associated"


class AgencyStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


# ISO 639-1: every two-letter language code.
ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
    hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li
    ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa
    pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th
    ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()
)


# The one list of skills the network's people are described by: mentoring matches managers and
# mentors by these areas, and exchange describes assignments and skills profiles with them. An
# HR system may send others (free text, `CompetenceArea`); these are the ones forms offer.
SKILLS: tuple[str, ...] = (
    "informationssäkerhet",
    "it-arkitektur",
    "systemutveckling",
    "dataanalys",
    "juridik",
    "upphandling",
    "ekonomi",
    "hr",
    "kommunikation",
    "verksamhetsutveckling",
    "projektledning",
    "ledarskap",
    "utredning",
    "kundservice",
    "arkiv och informationsförvaltning",
    "säkerhetsskydd",
)
