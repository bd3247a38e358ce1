"""HTTP: search, one vacancy (JSON or JSON-LD), the Atom feed and statistics. All public."""

import base64
import hashlib
import json
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from myndnet_kit.auth import require_operator
from myndnet_kit.web import pool_of, script_json, service_of
from myndnet_schemas.clock import stockholm_today
from myndnet_schemas.topics import AGENCY_CODE_RE
from myndnet_schemas.vocabulary import EmploymentType, OccupationField, RemoteWork, TargetGroup

from myndnet_vacancies import views
from myndnet_vacancies.adapters import search as reader

router = APIRouter(tags=["vacancies"])
# The site reads the network's staff-only vacancies for signed-in staff with this right.
staff = APIRouter(tags=["staff only"], dependencies=[require_operator("vacancies:staff")])
MAX_LIMIT = 100


def _fingerprint(filters: reader.Filters) -> str:
    return hashlib.sha256(repr(filters).encode()).hexdigest()[:12]


def encode_cursor(filters: reader.Filters, row: Any) -> str:
    document = [_fingerprint(filters), reader.position(row), row["agency"], row["vacancy_id"]]
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


def decode_cursor(filters: reader.Filters, cursor: str) -> tuple[Any, str, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        fingerprint, first, agency, vacancy_id = json.loads(base64.urlsafe_b64decode(padded))
        if fingerprint != _fingerprint(filters):
            raise ValueError("for another search")
        if not filters.q:
            position: Any = date.fromisoformat(first)
        elif isinstance(first, list):  # a broad search: [part, day]
            part, day = first
            if part not in (0, 1):
                raise ValueError("no such part of a broad search")
            position = [int(part), date.fromisoformat(day).isoformat()]
        else:
            position = float(first)
        return position, str(agency), str(vacancy_id)
    except (ValueError, TypeError) as exc:
        raise HTTPException(
            422, f"cursor is not valid for this search ({exc}); start again without it"
        ) from None


def _base_url(request: Request) -> str:
    return service_of(request).settings.base_url()


@router.get("/vacancies")
async def search_vacancies(
    request: Request,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description='Swedish full-text search (websearch syntax: "exact phrase", -exclude, or)',
        ),
    ] = None,
    agency: Annotated[
        list[Annotated[str, Query(pattern=AGENCY_CODE_RE.pattern)]] | None, Query()
    ] = None,
    occupation_field: Annotated[list[OccupationField] | None, Query()] = None,
    municipality: Annotated[list[Annotated[str, Query(max_length=100)]] | None, Query()] = None,
    employment_type: Annotated[list[EmploymentType] | None, Query()] = None,
    target_group: Annotated[list[TargetGroup] | None, Query()] = None,
    remote: Annotated[list[RemoteWork] | None, Query()] = None,
    status: Annotated[str, Query(pattern="^(open|closed|all)$")] = "open",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    facets: Annotated[
        bool,
        Query(description="also answer with `total` and `facets`: counts per filter value"),
    ] = False,
) -> dict[str, Any]:
    filters = reader.Filters(
        q=q.strip() or None if q else None,
        agencies=agency,
        occupation_fields=[f.value for f in occupation_field] if occupation_field else None,
        municipalities=municipality,
        employment_types=[e.value for e in employment_type] if employment_type else None,
        target_groups=[t.value for t in target_group] if target_group else None,
        status=None if status == "all" else status,
        remote=[r.value for r in remote] if remote else None,
    )
    after = decode_cursor(filters, cursor) if cursor else None
    async with pool_of(request).acquire() as conn:
        counted = await reader.facets(conn, filters) if facets else None
        total = counted[0] if counted else None  # tells the search whether it is a broad one
        rows = await reader.search(conn, filters, after, limit + 1, total)
    base = _base_url(request)
    page = rows[:limit]
    found: dict[str, Any] = {
        "items": [views.vacancy_json(r, base) for r in page],
        "next_cursor": encode_cursor(filters, page[-1]) if len(rows) > limit else None,
    }
    if counted is not None:
        found["total"], found["facets"] = counted
    return found


@router.get(
    "/vacancies/feed.atom",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}},
)
async def feed(request: Request) -> Response:
    async with pool_of(request).acquire() as conn:
        rows = await reader.newest_open(conn, 100)
    return Response(
        views.atom_feed(rows, _base_url(request)), media_type="application/atom+xml; charset=utf-8"
    )


@router.get(
    "/vacancies/{code}/{vacancy_id}",
    responses={200: {"content": {"application/json": {}, "application/ld+json": {}}}},
)
async def one_vacancy(
    request: Request,
    code: Annotated[str, Path(pattern=AGENCY_CODE_RE.pattern)],
    vacancy_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")],
) -> Response:
    async with pool_of(request).acquire() as conn:
        row = await reader.one(conn, code, vacancy_id)
    if row is None:
        raise HTTPException(404, f"no vacancy {vacancy_id!r} of agency {code!r}")
    base = _base_url(request)
    if "application/ld+json" in request.headers.get("accept", ""):
        # Escaped so that a page can embed it as it is in <script type="application/ld+json">.
        return Response(script_json(views.job_posting(row, base)), media_type="application/ld+json")
    # The public site's page embeds the JobPosting; it comes along, so one call serves a page.
    return JSONResponse(
        {**views.vacancy_json(row, base), "job_posting": views.job_posting(row, base)}
    )


@router.get("/figures")
async def figures(
    request: Request,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
) -> dict[str, Any]:
    """Per agency and for the network: vacancies published in the period (`from` and `to`,
    both included; default the last 12 months), open now, the median days those published were
    open (to their close, or to today while open), and when the agency's register last
    changed (its feed's last news)."""
    today = stockholm_today()
    last = to or today
    first = from_ or a_year_before(last) + timedelta(days=1)
    if first > last:
        raise HTTPException(422, "`from` is after `to`")
    async with pool_of(request).acquire() as conn:
        found = await reader.figures(conn, first, last, today)
    return {"from": first.isoformat(), "to": last.isoformat(), **found}


def a_year_before(day: date) -> date:
    if day.year == date.min.year:
        return date.min
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


@router.get("/stats")
async def statistics(request: Request) -> dict[str, Any]:
    async with pool_of(request).acquire() as conn:
        counts = await reader.stats(conn)
    return {
        "open": sum(counts["agency"].values()),
        **{f"open_by_{dimension}": values for dimension, values in counts.items()},
    }


@staff.get("/staff/vacancies")
async def staff_only_vacancies(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """The open vacancies for the network's staff only (`visibility` `network`), newest first:
    for the site's signed-in staff, never shown to anyone else; with `q`, those its words find
    (as the public search reads them)."""
    async with pool_of(request).acquire() as conn:
        rows = await reader.staff_only(conn, limit, (q or "").strip() or None)
    base = _base_url(request)
    return {"items": [views.vacancy_json(r, base) for r in rows]}


@staff.get("/staff/vacancies/{code}/{vacancy_id}")
async def staff_only_vacancy(
    request: Request,
    code: Annotated[str, Path(pattern=AGENCY_CODE_RE.pattern)],
    vacancy_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")],
) -> dict[str, Any]:
    """One vacancy for staff only (a public one is at `GET /vacancies/{code}/{id}`)."""
    async with pool_of(request).acquire() as conn:
        row = await reader.staff_one(conn, code, vacancy_id)
    if row is None:
        raise HTTPException(404, f"no staff-only vacancy {vacancy_id!r} of agency {code!r}")
    return views.vacancy_json(row, _base_url(request))
