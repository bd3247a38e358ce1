"""HTTP: public reads, operator writes (right `membership:write`)."""

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request
from myndnet_kit import audit
from myndnet_kit.auth import require_operator
from myndnet_kit.logging import get_logger
from myndnet_kit.web import pool_of, service_of
from myndnet_schemas.clock import stockholm_today
from myndnet_schemas.events import AgencyState
from myndnet_schemas.events.base import HttpsUrl, Name, WorkEmail
from myndnet_schemas.events.membership import EmailDomain, EmployerProfile
from myndnet_schemas.topics import AGENCY_CODE_RE, validate_agency_code
from myndnet_schemas.vocabulary import AgencyKind, AgencyRole, AgencyStatus
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from myndnet_membership.adapters import agencies as repository
from myndnet_membership.domain.agencies import (
    AgencyConflict,
    AgencyNotFound,
    MembershipError,
    normalise_email_domains,
    normalise_organisation_number,
)
from myndnet_membership.domain.sign_in import LIMIT_WINDOW, Roles
from myndnet_membership.handlers import access
from myndnet_membership.handlers import agencies as handlers
from myndnet_membership.handlers import sign_in as sign_in_handlers
from myndnet_membership.handlers.access import KafkaCredentials
from myndnet_membership.handlers.topics import create_agency_topics

if TYPE_CHECKING:
    from myndnet_membership.main import MembershipSettings

log = get_logger(__name__)
router = APIRouter(tags=["agencies"])
AgencyCode = Annotated[
    str, Path(pattern=AGENCY_CODE_RE.pattern, description="agency code, [a-z0-9-]{2,40}")
]
# Key hashes travel in the agency events for ingest; the API shows key ids only.
KEYS_NOT_SHOWN = {"http_keys"}
OrganisationNumber = Annotated[str, AfterValidator(normalise_organisation_number)]
EmailDomains = Annotated[
    list[
        Annotated[
            EmailDomain, BeforeValidator(lambda d: d.strip().lower() if isinstance(d, str) else d)
        ]
    ],
    Field(max_length=20),
    AfterValidator(lambda domains: list(normalise_email_domains(domains))),
]


Coordinators = Annotated[list[WorkEmail], Field(max_length=20)]


class CoordinatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    email: WorkEmail


class RegisterAgency(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, AfterValidator(validate_agency_code)]
    name: Name
    kind: AgencyKind
    role: AgencyRole = AgencyRole.MEMBER
    organisation_number: OrganisationNumber | None = None
    website: HttpsUrl | None = None
    coordinator: CoordinatorIn | None = None
    email_domains: EmailDomains | None = None
    coordinators: Coordinators | None = None
    profile: EmployerProfile | None = None


class ChangeAgency(BaseModel):
    """Only the fields given are changed; null clears an optional one."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    kind: AgencyKind | None = None
    role: AgencyRole | None = None
    organisation_number: OrganisationNumber | None = None
    website: HttpsUrl | None = None
    coordinator: CoordinatorIn | None = None
    email_domains: EmailDomains | None = None
    coordinators: Coordinators | None = None
    profile: EmployerProfile | None = None


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except AgencyNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except AgencyConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except MembershipError as exc:
        raise HTTPException(422, str(exc)) from None


def _details(body: RegisterAgency | ChangeAgency, fields: set[str]) -> dict[str, Any]:
    details: dict[str, Any] = {k: getattr(body, k) for k in fields if k != "coordinator"}
    if "coordinator" in fields:
        details["coordinator_name"] = body.coordinator.name if body.coordinator else None
        details["coordinator_email"] = body.coordinator.email if body.coordinator else None
    return details


class RegisteredAgency(AgencyState):
    kafka_credentials: KafkaCredentials | None = None
    kafka_credentials_error: str | None = None


async def _agency_or_404(request: Request, code: str) -> Any:
    async with pool_of(request).acquire() as conn:
        agency = await repository.get(conn, code)
    if agency is None:
        raise HTTPException(404, f"no agency {code!r} in the network")
    return agency


@router.get(
    "/agencies",
    response_model=list[AgencyState],
    response_model_exclude={"__all__": KEYS_NOT_SHOWN},
)
async def list_agencies(request: Request, status: AgencyStatus | None = Query(None)) -> Any:
    async with pool_of(request).acquire() as conn:
        return [a.state() for a in await repository.list_all(conn, status)]


@router.get("/agencies/{code}", response_model=AgencyState, response_model_exclude=KEYS_NOT_SHOWN)
async def get_agency(request: Request, code: AgencyCode) -> Any:
    return (await _agency_or_404(request, code)).state()


@router.get("/agencies/{code}/history", dependencies=[require_operator("membership:write")])
async def agency_history(request: Request, code: AgencyCode) -> list[dict[str, Any]]:
    """Every change of the agency, for operators: it names former coordinators and their work
    e-mail."""
    async with pool_of(request).acquire() as conn:
        changes = await repository.history(conn, code)
    if not changes:
        raise HTTPException(404, f"no agency {code!r} in the network")
    return changes


@router.post(
    "/agencies",
    status_code=201,
    response_model=RegisteredAgency,
    response_model_exclude=KEYS_NOT_SHOWN,
    dependencies=[require_operator("membership:write")],
)
async def register(request: Request, body: RegisterAgency) -> Any:
    """Register an agency (or a departed one again) and create its HR topics. In the secure
    profile the response carries the agency's Kafka login, once."""
    settings = service_of(request).settings
    details = _details(body, body.model_fields_set - {"code", "name", "kind", "role"})
    with refusals():
        async with pool_of(request).acquire() as conn:
            agency = await handlers.register_agency(
                conn,
                settings.membership_topic,
                code=body.code,
                name=body.name,
                kind=body.kind,
                role=body.role,
                today=stockholm_today(),
                actor=audit.actor_of(request),
                **details,
            )
    try:
        await create_agency_topics(settings, [agency.code])
    except Exception as exc:  # the topic keeper retries every half minute
        log.warning(
            "agency registered; its topics will be created later", code=agency.code, error=repr(exc)
        )
    credentials, problem = None, None
    if access.secure(settings):
        try:
            credentials = await access.issue_credentials(settings, agency.code)
        except Exception as exc:
            log.warning("registered without a kafka login", code=agency.code, error=repr(exc))
            problem = (
                "the agency is registered, but its Kafka login could not be created "
                f"({type(exc).__name__}); issue one with "
                f"POST /agencies/{agency.code}/kafka-credentials"
            )
    return RegisteredAgency(
        **agency.state().model_dump(),
        kafka_credentials=credentials,
        kafka_credentials_error=problem,
    )


@router.post(
    "/agencies/{code}/kafka-credentials",
    status_code=201,
    response_model=KafkaCredentials,
    dependencies=[require_operator("membership:write")],
)
async def issue_kafka_credentials(request: Request, code: AgencyCode) -> Any:
    """A new Kafka login secret for an active agency (replacing its earlier one), shown once."""
    settings = service_of(request).settings
    if not access.secure(settings):
        raise HTTPException(409, "the network's Kafka runs without logins (not the secure profile)")
    agency = await _agency_or_404(request, code)
    if not agency.state().participates:
        raise HTTPException(409, f"agency {code!r} has left the network")
    try:
        return await access.issue_credentials(settings, code)
    except Exception as exc:
        log.warning("could not issue a kafka login", code=code, error=repr(exc))
        raise HTTPException(503, "Kafka could not create the login; try again") from None


@router.patch(
    "/agencies/{code}",
    response_model=AgencyState,
    response_model_exclude=KEYS_NOT_SHOWN,
    dependencies=[require_operator("membership:write")],
)
async def change(request: Request, code: AgencyCode, body: ChangeAgency) -> Any:
    for required in ("name", "kind", "role"):
        if required in body.model_fields_set and getattr(body, required) is None:
            raise HTTPException(422, f"{required} cannot be cleared")
    with refusals():
        async with pool_of(request).acquire() as conn:
            agency = await handlers.update_agency(
                conn,
                service_of(request).settings.membership_topic,
                code,
                _details(body, body.model_fields_set),
                audit.actor_of(request),
            )
    return agency.state()


@router.post(
    "/agencies/{code}/leave",
    response_model=AgencyState,
    response_model_exclude=KEYS_NOT_SHOWN,
    dependencies=[require_operator("membership:write")],
)
async def leave(request: Request, code: AgencyCode) -> Any:
    with refusals():
        async with pool_of(request).acquire() as conn:
            agency = await handlers.leave_network(
                conn,
                service_of(request).settings.membership_topic,
                code,
                stockholm_today(),
                audit.actor_of(request),
            )
    settings = service_of(request).settings
    if access.secure(settings):
        try:
            await access.revoke_credentials(settings, [code])
        except Exception as exc:  # the topic keeper removes it later
            log.warning("could not remove the kafka login yet", code=code, error=repr(exc))
    return agency.state()


class IssuedHttpKey(BaseModel):
    agency: str
    key_id: str
    key: str
    note: str = "shown once: keep it in the HR system's secret store; the network keeps a hash"


@router.post(
    "/agencies/{code}/http-keys",
    status_code=201,
    response_model=IssuedHttpKey,
    dependencies=[require_operator("membership:write")],
)
async def issue_http_key(request: Request, code: AgencyCode) -> Any:
    """A key for ingest's HTTP door (`Authorization: Bearer <key>` on `POST /events`), with
    which the agency's HR system publishes as this agency only."""
    with refusals():
        async with pool_of(request).acquire() as conn:
            issued = await handlers.issue_http_key(
                conn, service_of(request).settings.membership_topic, code, audit.actor_of(request)
            )
    return IssuedHttpKey(agency=code, key_id=issued.key_id, key=issued.key)


@router.get("/agencies/{code}/http-keys", dependencies=[require_operator("membership:write")])
async def list_http_keys(request: Request, code: AgencyCode) -> list[dict[str, Any]]:
    """The agency's keys, live and revoked, by id (never the key)."""
    await _agency_or_404(request, code)
    async with pool_of(request).acquire() as conn:
        return await repository.http_keys(conn, code)


@router.delete(
    "/agencies/{code}/http-keys/{key_id}",
    status_code=204,
    dependencies=[require_operator("membership:write")],
)
async def revoke_http_key(
    request: Request, code: AgencyCode, key_id: Annotated[str, Path(pattern=r"^[a-z0-9]{8,32}$")]
) -> None:
    with refusals():
        async with pool_of(request).acquire() as conn:
            await handlers.revoke_http_key(
                conn,
                service_of(request).settings.membership_topic,
                code,
                key_id,
                audit.actor_of(request),
            )


# -- staff's sign-in: for the site (right `membership:sign-in`), which keeps the session in a
# cookie and asks here who holds it.

sign_in = APIRouter(tags=["sign-in"], dependencies=[require_operator("membership:sign-in")])


def _settings(request: Request) -> "MembershipSettings":
    return cast("MembershipSettings", service_of(request).settings)


SESSION_HEADER = "X-Staff-Session"
SessionToken = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{20,100}$")]


class LinkAsked(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(min_length=3, max_length=254)]
    # Who asked, as the site sees them (an IP address): counted, kept as a hash only.
    client: Annotated[str, Field(min_length=1, max_length=200)]
    language: Literal["sv", "en"] = "sv"


class FollowedLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Annotated[str, Field(min_length=10, max_length=400)]


class StaffRoles(BaseModel):
    email: str
    staff_of: str | None
    coordinates: list[str]
    network_coordinator: bool
    expires_at: datetime


class OpenedSession(StaffRoles):
    session: str


def _roles(person: Roles, expires_at: datetime) -> dict[str, Any]:
    return {
        "email": person.email,
        "staff_of": person.staff_of,
        "coordinates": list(person.coordinates),
        "network_coordinator": person.network_coordinator,
        "expires_at": expires_at,
    }


@sign_in.post("/sign-in/links", status_code=202)
async def ask_for_sign_in_link(request: Request, body: LinkAsked) -> dict[str, str]:
    """Mail a sign-in link to a known work address (through notify). The answer is the same
    whether or not the address is known; beyond 5 links an address or 30 a client in 15
    minutes it is 429 and nothing is mailed."""
    settings = _settings(request)
    try:
        async with pool_of(request).acquire() as conn:
            await sign_in_handlers.ask_for_link(
                conn,
                settings.sign_in_topic,
                body.email,
                body.client,
                body.language,
                settings.coordinators(),
                datetime.now(UTC),
            )
    except sign_in_handlers.TooManyRequests:
        raise HTTPException(
            429,
            "too many sign-in links asked for; try again in 15 minutes",
            headers={"Retry-After": str(int(LIMIT_WINDOW.total_seconds()))},
        ) from None
    return {"status": "accepted"}


@sign_in.post("/sign-in/sessions", status_code=201, response_model=OpenedSession)
async def open_session(request: Request, body: FollowedLink) -> Any:
    """A followed sign-in link opens a 12-hour session, once; 410 when the link was used or
    has expired, 400 when it is not one of ours."""
    settings = _settings(request)
    try:
        async with pool_of(request).acquire() as conn:
            opened = await sign_in_handlers.sign_in(
                conn,
                settings.link_signing_key.get_secret_value(),
                body.token,
                settings.coordinators(),
                datetime.now(UTC),
            )
    except sign_in_handlers.LinkNotUsable as exc:
        status = 410 if exc.code in ("used", "expired") else 400
        raise HTTPException(status, {"code": exc.code, "message": str(exc)}) from None
    return {"session": opened.session_token, **_roles(opened.roles, opened.expires_at)}


@sign_in.get("/sign-in/session", response_model=StaffRoles)
async def current_session(
    request: Request, session: Annotated[SessionToken, Header(alias=SESSION_HEADER)]
) -> Any:
    """Who holds the session (header `X-Staff-Session`), with their roles now; 404 when it has
    ended or expired, or its holder is no longer staff of any agency."""
    settings = _settings(request)
    async with pool_of(request).acquire() as conn:
        found = await sign_in_handlers.session_roles(
            conn, session, settings.coordinators(), datetime.now(UTC)
        )
    if found is None:
        raise HTTPException(404, "no such session: it has ended or expired")
    return _roles(*found)


@sign_in.delete("/sign-in/session", status_code=204)
async def end_session(
    request: Request, session: Annotated[SessionToken, Header(alias=SESSION_HEADER)]
) -> None:
    """Sign out: the session ends now (ending one already ended is not an error)."""
    async with pool_of(request).acquire() as conn:
        await sign_in_handlers.sign_out(conn, session, datetime.now(UTC))
