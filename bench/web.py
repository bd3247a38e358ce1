"""The public site's pages against the vacancies API call each page makes, over a register of
100,000 vacancies, side by side in one run.

    uv run python bench/web.py [--vacancies 100000] [--requests 300]

membership, vacancies and web run as their own processes (as `make up` runs them), each on a
scratch database and topics of its own; this process is only the client. The register is
filled with COPY straight into vacancies' table (ingest has its own benchmark,
bench/vacancies.py). Each round asks the API and then the page for the same thing, so both
meet the same machine load. Goal: a page takes under 2× its API call.
"""

import argparse
import asyncio
import random
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import KAFKA, percentile, random_vacancy, summary
from myndnet_schemas.clock import stockholm_today
from myndnet_testing import ServiceNetwork
from myndnet_vacancies.adapters.register import ROW_COLUMNS, row
from myndnet_vacancies.domain.register import Vacancy

LOGS = Path(__file__).resolve().parents[1] / ".run" / "bench"
TOKEN = "bench-operator-token"


async def timed(http: httpx.AsyncClient, url: str, params: dict | None = None) -> float:
    began = time.perf_counter()
    response = await http.get(url, params=params)
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return elapsed


async def bench(vacancies_wanted: int, requests: int) -> None:
    run = uuid.uuid4().hex[:8]
    code = f"bench{run}"
    LOGS.mkdir(parents=True, exist_ok=True)
    common = {
        "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        "MEMBERSHIP_TOPIC": f"membership.agencies.bench{run}",
        "CONSUMER_GROUP_PREFIX": f"bench{run}.",
        "VACANCIES_TOPIC": f"vacancies.vacancies.bench{run}",
        "VACANCIES_HR_TOPIC_PATTERN": rf"^hr\.bench{run}[a-z0-9-]*\.vacancies$",
        "OPERATOR_TOKENS": f"{TOKEN}=*",
        "LOG_LEVEL": "WARNING",
    }
    services = ServiceNetwork(run, LOGS, common, prefix="bench")
    url = {name: services.url(name) for name in ("membership", "vacancies", "web")}
    try:
        for name in ("membership", "vacancies"):
            await services.start(name)
            await services.ready(name, timeout=120)
        async with httpx.AsyncClient(
            base_url=url["membership"], headers={"Authorization": f"Bearer {TOKEN}"}
        ) as http:
            registered = await http.post(
                "/agencies", json={"code": code, "name": "Benchverket", "kind": "agency"}
            )
            assert registered.status_code == 201, registered.text

        rng = random.Random(20261127)
        today = stockholm_today()
        rows = [
            row(Vacancy(code, random_vacancy(rng, f"W-{i:06d}", today), "open", revision=1))
            for i in range(vacancies_wanted)
        ]
        conn = await asyncpg.connect(services.databases["vacancies"])
        began = time.perf_counter()
        await conn.copy_records_to_table("vacancies", records=rows, columns=ROW_COLUMNS)
        await conn.execute("ANALYZE vacancies")
        await conn.close()
        print(
            f"register: {vacancies_wanted} open vacancies of one agency, copied in "
            f"{time.perf_counter() - began:.1f} s"
        )

        await services.start(
            "web",
            env={
                "MEMBERSHIP_URL": url["membership"],
                "VACANCIES_URL": url["vacancies"],
                # The pages measured here never ask notify, mentoring, trainings, outreach or
                # exchange.
                "NOTIFY_URL": url["membership"],
                "MENTORING_URL": url["membership"],
                "TRAININGS_URL": url["membership"],
                "OUTREACH_URL": url["membership"],
                "EXCHANGE_URL": url["membership"],
            },
        )
        await services.ready("web", timeout=60)

        ids = [r[1] for r in rng.sample(rows, 50)]
        searches = [
            ("newest first, no filter", {}),
            ("word 'utredare'", {"q": "utredare"}),
            ("field + municipality", {"occupation_field": "it", "municipality": "Sundsvall"}),
        ]
        async with httpx.AsyncClient(timeout=30) as http:
            for _ in range(20):  # warm both sides
                await timed(http, f"{url['web']}/jobb")
                await timed(http, f"{url['vacancies']}/vacancies", {"facets": "true"})
            worst = 0.0
            for label, params in searches:
                api, page = [], []
                api_params = {**params, "limit": 20, "facets": "true"}
                for _ in range(requests):
                    api.append(await timed(http, f"{url['vacancies']}/vacancies", api_params))
                    page.append(await timed(http, f"{url['web']}/jobb", params))
                worst = max(worst, report(f"search: {label}", api, page))
            api, page = [], []
            for n in range(requests):
                vacancy_id = ids[n % len(ids)]
                api.append(await timed(http, f"{url['vacancies']}/vacancies/{code}/{vacancy_id}"))
                page.append(await timed(http, f"{url['web']}/jobb/{code}/{vacancy_id}"))
            worst = max(worst, report("vacancy page", api, page))
        print(f"worst page / API ratio at p50: {worst:.2f}  (goal < 2)")
    finally:
        await services.stop()


def report(label: str, api: list[float], page: list[float]) -> float:
    ratio50 = percentile(page, 50) / percentile(api, 50)
    ratio99 = percentile(page, 99) / percentile(api, 99)
    print(f"{label}")
    print(f"  the API call : {summary(api)}")
    print(f"  the page     : {summary(page)}")
    print(f"  page / API   : p50 {ratio50:.2f}, p99 {ratio99:.2f}")
    return ratio50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vacancies", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(bench(args.vacancies, args.requests))


if __name__ == "__main__":
    main()
