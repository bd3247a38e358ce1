"""The register's tables: loading the vacancies a batch names, and saving them in bulk."""

from collections.abc import Iterable, Sequence

import asyncpg
from myndnet_schemas.events.inbound import VacancyFields
from myndnet_schemas.vocabulary import ClosedReason

from myndnet_vacancies.domain.register import Vacancy

Key = tuple[str, str]

SNAPSHOT_COLUMNS = """vacancy_id, fields_revision, title, description, occupation_field, ssyk,
    employment_type, extent, municipality, municipality_code, remote, target_groups,
    published_on, application_deadline, apply_url, languages, security_clearance, visibility"""

LOAD_FOR_UPDATE = f"""
SELECT agency, revision, status, closed_reason, closed_at, {SNAPSHOT_COLUMNS}
FROM vacancies
WHERE (agency, vacancy_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
ORDER BY agency, vacancy_id
FOR UPDATE
"""

UPSERT = """
INSERT INTO vacancies (agency, vacancy_id, revision, status, closed_reason, closed_at,
    fields_revision, title, description, occupation_field, ssyk, employment_type, extent,
    municipality, municipality_code, remote, target_groups, published_on, application_deadline,
    apply_url, languages, security_clearance, visibility, updated_at)
SELECT v.agency, v.vacancy_id, v.revision, v.status, v.closed_reason, v.closed_at,
    v.fields_revision, v.title, v.description, v.occupation_field, v.ssyk, v.employment_type,
    v.extent, v.municipality, v.municipality_code, v.remote,
    string_to_array(v.target_groups, ','), v.published_on, v.application_deadline, v.apply_url,
    string_to_array(v.languages, ','), v.security_clearance, v.visibility, now()
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[],
            $7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
            $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::date[],
            $19::date[], $20::text[], $21::text[], $22::boolean[], $23::text[])
    AS v(agency, vacancy_id, revision, status, closed_reason, closed_at, fields_revision, title,
         description, occupation_field, ssyk, employment_type, extent, municipality,
         municipality_code, remote, target_groups, published_on, application_deadline,
         apply_url, languages, security_clearance, visibility)
ON CONFLICT (agency, vacancy_id) DO UPDATE SET
    revision = EXCLUDED.revision, status = EXCLUDED.status,
    closed_reason = EXCLUDED.closed_reason, closed_at = EXCLUDED.closed_at,
    fields_revision = EXCLUDED.fields_revision, title = EXCLUDED.title,
    description = EXCLUDED.description, occupation_field = EXCLUDED.occupation_field,
    ssyk = EXCLUDED.ssyk, employment_type = EXCLUDED.employment_type, extent = EXCLUDED.extent,
    municipality = EXCLUDED.municipality, municipality_code = EXCLUDED.municipality_code,
    remote = EXCLUDED.remote, target_groups = EXCLUDED.target_groups,
    published_on = EXCLUDED.published_on, application_deadline = EXCLUDED.application_deadline,
    apply_url = EXCLUDED.apply_url, languages = EXCLUDED.languages,
    security_clearance = EXCLUDED.security_clearance, visibility = EXCLUDED.visibility,
    updated_at = now()
"""

LOAD_EARLY_WITHDRAWALS = """
SELECT agency, vacancy_id, revision, reason FROM early_withdrawals
WHERE (agency, vacancy_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
"""

SAVE_EARLY_WITHDRAWALS = """
INSERT INTO early_withdrawals (agency, vacancy_id, revision, reason)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
ON CONFLICT (agency, vacancy_id) DO UPDATE
    SET revision = EXCLUDED.revision, reason = EXCLUDED.reason
"""

OPEN_PAST_DEADLINE = f"""
SELECT agency, revision, status, closed_reason, closed_at, {SNAPSHOT_COLUMNS}
FROM vacancies WHERE status = 'open' AND application_deadline < $1
ORDER BY agency, vacancy_id LIMIT $2 FOR UPDATE SKIP LOCKED
"""

OPEN_OF_AGENCY = f"""
SELECT agency, revision, status, closed_reason, closed_at, {SNAPSHOT_COLUMNS}
FROM vacancies WHERE status = 'open' AND agency = $1
ORDER BY vacancy_id FOR UPDATE
"""


def _vacancy(row: asyncpg.Record) -> Vacancy:
    fields = VacancyFields.model_validate(
        {
            "vacancy_id": row["vacancy_id"],
            "revision": row["fields_revision"],
            "title": row["title"],
            "description": row["description"],
            "occupation_field": row["occupation_field"],
            "ssyk": row["ssyk"],
            "employment_type": row["employment_type"],
            "extent": row["extent"],
            "municipality": row["municipality"],
            "municipality_code": row["municipality_code"],
            "remote": row["remote"],
            "target_groups": list(row["target_groups"]),
            "published_on": row["published_on"],
            "application_deadline": row["application_deadline"],
            "apply_url": row["apply_url"],
            "languages": list(row["languages"]),
            "security_clearance": row["security_clearance"],
            "visibility": row["visibility"],
        }
    )
    return Vacancy(
        agency=row["agency"],
        fields=fields,
        status=row["status"],
        closed_reason=ClosedReason(row["closed_reason"]) if row["closed_reason"] else None,
        closed_at=row["closed_at"],
        revision=row["revision"],
    )


def _split(keys: Iterable[Key]) -> tuple[list[str], list[str]]:
    ordered = sorted(set(keys))
    return [k[0] for k in ordered], [k[1] for k in ordered]


async def load_for_update(conn: asyncpg.Connection, keys: Iterable[Key]) -> dict[Key, Vacancy]:
    rows = await conn.fetch(LOAD_FOR_UPDATE, *_split(keys))
    return {(r["agency"], r["vacancy_id"]): _vacancy(r) for r in rows}


async def load_early_withdrawals(
    conn: asyncpg.Connection, keys: Iterable[Key]
) -> dict[Key, tuple[int, ClosedReason]]:
    rows = await conn.fetch(LOAD_EARLY_WITHDRAWALS, *_split(keys))
    return {
        (r["agency"], r["vacancy_id"]): (r["revision"], ClosedReason(r["reason"])) for r in rows
    }


async def save_early_withdrawals(
    conn: asyncpg.Connection, early: dict[Key, tuple[int, ClosedReason]]
) -> None:
    if early:
        items = sorted(early.items())
        await conn.execute(
            SAVE_EARLY_WITHDRAWALS,
            [k[0] for k, _ in items],
            [k[1] for k, _ in items],
            [v[0] for _, v in items],
            [v[1].value for _, v in items],
        )


ROW_COLUMNS = (
    "agency",
    "vacancy_id",
    "revision",
    "status",
    "closed_reason",
    "closed_at",
    "fields_revision",
    "title",
    "description",
    "occupation_field",
    "ssyk",
    "employment_type",
    "extent",
    "municipality",
    "municipality_code",
    "remote",
    "target_groups",
    "published_on",
    "application_deadline",
    "apply_url",
    "languages",
    "security_clearance",
    "visibility",
)


def row(v: Vacancy) -> tuple[object, ...]:
    """A vacancy as a row of the register, in ROW_COLUMNS order (arrays as lists)."""
    f = v.fields
    return (
        v.agency,
        f.vacancy_id,
        v.revision,
        v.status,
        v.closed_reason.value if v.closed_reason else None,
        v.closed_at,
        f.revision,
        f.title,
        f.description,
        f.occupation_field.value,
        f.ssyk,
        f.employment_type.value,
        f.extent.value,
        f.municipality,
        f.municipality_code,
        f.remote.value,
        [g.value for g in f.target_groups],
        f.published_on,
        f.application_deadline,
        f.apply_url,
        list(f.languages),
        f.security_clearance,
        f.visibility.value,
    )


_ARRAYS = {ROW_COLUMNS.index("target_groups"), ROW_COLUMNS.index("languages")}


async def save(conn: asyncpg.Connection, vacancies: Sequence[Vacancy]) -> None:
    if not vacancies:
        return
    columns: list[list[object]] = [[] for _ in ROW_COLUMNS]
    for vacancy in sorted(vacancies, key=lambda v: v.key):
        for i, value in enumerate(row(vacancy)):
            # unnest() flattens a 2-D array, so the two array columns travel comma-joined.
            columns[i].append(",".join(value) if i in _ARRAYS else value)  # type: ignore[arg-type]
    await conn.execute(UPSERT, *columns)


async def open_past_deadline(conn: asyncpg.Connection, today: object, limit: int) -> list[Vacancy]:
    return [_vacancy(r) for r in await conn.fetch(OPEN_PAST_DEADLINE, today, limit)]


async def open_of_agency(conn: asyncpg.Connection, agency: str) -> list[Vacancy]:
    return [_vacancy(r) for r in await conn.fetch(OPEN_OF_AGENCY, agency)]
