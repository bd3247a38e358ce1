"""A day in Myndighetsnätverket, played against a running `make up` network.

    uv run python dev/demo.py [--seed 7]

Agencies publish vacancies through the publisher kit (some for students and summer jobs),
revise and withdraw some; two candidates subscribe and confirm; managers are appointed and
mentors volunteer across agencies; a matching round runs. Then a summary: open vacancies per
agency, what each candidate received, and the matches made and why. Then a programme year:
each new manager and mentor answers their proposal through their own link on the public site,
the schedule moves a month, three, six and twelve on, each answers their check-in form, and the
programme's figures end it. Last a joint training: a leadership course with more CSN staff than
CSN's seats, confirmed through the links in their mail, a waitlist, a cancellation and the
promotion it brings. Then the network as one employer (employer profiles, a career day and a
campaign), and last specialists shared: two agencies post assignments and one is agreed in
three steps through the links in the mail. The same seed plays the same day; playing it again
changes nothing (the events carry the same revisions).
"""

import argparse
import asyncio
import json
import mailbox
import os
import random
import re
from collections.abc import Collection
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path

import httpx
from myndnet_mentoring.domain.match import add_months
from myndnet_schemas import (
    AssignmentPosted,
    ManagerAppointed,
    MentorVolunteered,
    VacancyPublished,
    VacancyUpdated,
    VacancyWithdrawn,
)
from myndnet_schemas.clock import STOCKHOLM, stockholm_today
from myndnet_schemas.publisher import AgencyPublisher

ROOT = Path(__file__).resolve().parents[1]
KAFKA = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
URL = {
    s: f"http://127.0.0.1:{os.environ.get(f'{s.upper()}_PORT', p)}"
    for s, p in [
        ("web", 8000),
        ("membership", 8001),
        ("vacancies", 8002),
        ("mentoring", 8003),
        ("notify", 8004),
        ("trainings", 8005),
        ("outreach", 8007),
        ("exchange", 8008),
    ]
}
MAILDIR = ROOT / ".run" / "mail"

JOBS = [
    ("csn", "Systemutvecklare till studiestödssystemen", "it", "permanent", ["experienced"]),
    ("csn", "Sommarjobb i kundservice", "customer_service", "summer_job", ["students"]),
    ("skatteverket", "Utredare inom folkbokföring", "investigation", "permanent", []),
    ("skatteverket", "Trainee inom skatteområdet", "finance", "trainee", ["graduates"]),
    ("tullverket", "Tulltjänsteman till gränsskyddet", "security", "permanent", []),
    (
        "bolagsverket",
        "IT-arkitekt för digitala registertjänster",
        "it",
        "permanent",
        ["experienced"],
    ),
    (
        "bolagsverket",
        "Sommarjobb: handläggare av årsredovisningar",
        "administration",
        "summer_job",
        ["students"],
    ),
    ("miun", "Examensarbete om AI i offentlig förvaltning", "it", "thesis", ["students"]),
    ("spv", "Pensionshandläggare", "administration", "fixed_term", []),
    ("kriminalvarden", "Kriminalvårdare, Härnösand", "social_work", "permanent", []),
    ("tr-sundsvall", "Notarie vid Sundsvalls tingsrätt", "law", "fixed_term", ["graduates"]),
    ("digg", "Utvecklare av gemensamma digitala tjänster", "it", "permanent", []),
]
DESCRIPTIONS = [
    "Hos oss arbetar du i ett engagerat team i Sundsvall med uppdrag som gör skillnad.",
    "Vi erbjuder flexibla arbetstider, friskvårdstimme och goda möjligheter att utvecklas.",
    "Du har god förmåga att uttrycka dig i tal och skrift på svenska.",
    "Erfarenhet av agilt arbetssätt är meriterande.",
]
MANAGERS = [
    ("skatteverket", "sk-101", "Erik Sjöberg", ["förändringsledning", "digitalisering"]),
    ("csn", "csn-202", "Sara Lindqvist", ["arbetsmiljö", "rekrytering"]),
    ("tullverket", "tv-303", "Johan Berg", ["säkerhet", "förändringsledning"]),
]
MENTORS = [
    ("bolagsverket", "bv-11", "Maria Holm", ["digitalisering", "förändringsledning"], 12, 2),
    ("spv", "spv-22", "Anders Nyström", ["arbetsmiljö", "rekrytering"], 9, 1),
    ("skatteverket", "sk-33", "Karin Ek", ["säkerhet", "förändringsledning"], 15, 1),
]
CANDIDATES = [
    ("student.sundsvall@example.org", {"target_groups": ["students"]}, "sv"),
    ("it.kandidat@example.org", {"occupation_fields": ["it"]}, "en"),
]


def vacancy(rng: random.Random, seed: int, index: int, job: tuple) -> tuple[str, VacancyPublished]:
    agency, title, field, employment, groups = job
    today = stockholm_today()
    published = today - timedelta(days=rng.randint(0, 5))
    return agency, VacancyPublished(
        vacancy_id=f"DEMO{seed}-{index:02d}",
        revision=1,
        title=title,
        description=" ".join(rng.sample(DESCRIPTIONS, 3)),
        occupation_field=field,
        employment_type=employment,
        extent="full_time",
        municipality=rng.choice(["Sundsvall", "Sundsvall", "Härnösand"]),
        remote="hybrid",
        target_groups=groups,
        published_on=published,
        application_deadline=published + timedelta(days=rng.randint(20, 40)),
        apply_url=f"https://jobb.example.se/{agency}/DEMO{seed}-{index:02d}",
    )


async def publish(agency: str, *payloads) -> None:
    async with AgencyPublisher(KAFKA, agency) as publisher:
        for payload in payloads:
            await publisher.publish(payload)


def mail_keys() -> set[str]:
    """The messages the sink holds now (the network keeps its mail across plays)."""
    return set(mailbox.Maildir(MAILDIR, create=False).keys()) if MAILDIR.exists() else set()


def mails_to(address: str, *, besides: Collection[str] = ()) -> list:
    """The messages to `address`, in the order they arrived, but those of `besides`."""
    if not MAILDIR.exists():
        return []
    box = mailbox.Maildir(MAILDIR, create=False)
    found = [
        box[key]
        for key in box.keys()
        if key not in besides and address in (box[key]["X-Sink-Rcpt-To"] or "")
    ]
    return sorted(found, key=lambda m: m.get_date())


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"] or "")))


def text_of(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""


async def until(what: str, check, timeout: float = 30.0, give_up: bool = True):
    for _ in range(int(timeout * 4)):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.25)
    if give_up:
        raise SystemExit(f"the demo gave up waiting for {what}; is `make up` running?")
    return None


async def _link_for(address: str, path: str, used: set[str]) -> str | None:
    """A link to `path` in the mail to `address` that is not among `used` (added to it)."""

    async def arrived() -> str | None:
        for message in mails_to(address):
            found = re.search(rf"http://\S+{path}\?token=\S+", text_of(message))
            if found and found.group(0) not in used:
                used.add(found.group(0))
                return found.group(0)
        return None

    return await until(f"a mail to {address}", arrived, timeout=20, give_up=False)


async def programme_year(
    http: httpx.AsyncClient, operator: dict[str, str], seed: int, rng: random.Random
) -> None:
    """Answers by people's own links on the site, then a year of check-ins as time moves."""
    print("\n=== A programme year ===")
    matches = (await http.get(f"{URL['mentoring']}/matches", headers=operator)).json()
    ours = [
        m
        for m in matches
        if m["manager"]["person_id"].endswith(f"-{seed}") and m["status"] == "proposed"
    ]
    people = {}
    for match in ours:
        for role in ("manager", "mentor"):
            person = match[role]
            address = f"{person['person_id'].removesuffix(f'-{seed}')}.{seed}@{person['agency']}"
            people[(match["match_id"], role)] = f"{address}.example.se"
    answering = {}
    for (match_id, role), address in people.items():
        link = await _link_for(address, "/mentorskap/svar", set())
        if link is None:
            print(f"  {address}: no answer link arrived (is LINK_SIGNING_KEY set?)")
            continue
        answering[(match_id, role)] = address
        token = link.split("token=", 1)[1]
        answered = await http.post(
            f"{URL['web']}/mentorskap/svar", data={"token": token, "answer": "accept"}
        )
        print(f"  {role:7s} {address}: accepted through the site ({answered.status_code})")
    today = stockholm_today()
    used: set[str] = set()
    for month in (1, 3, 6, 12):
        day = add_months(today, month)
        done = (
            await http.post(
                f"{URL['mentoring']}/schedule/run",
                params={"as_of": day.isoformat()},
                headers=operator,
            )
        ).json()
        answered = 0
        for address in answering.values():
            link = await _link_for(address, "/mentorskap/uppfoljning", used)
            if link is None:
                continue
            met = month > 1 or rng.random() < 0.7
            form = {
                "token": link.split("token=", 1)[1],
                "met": "yes" if met else "no",
                "meetings": str(rng.randint(1, 2) * month if met else 0),
                "satisfaction": str(rng.choice([3, 4, 4, 5, 5])),
            }
            if (await http.post(f"{URL['web']}/mentorskap/uppfoljning", data=form)).is_success:
                answered += 1
        print(
            f"  {day.isoformat()} (+{month:2d} months): {done['checkins']} check-ins asked, "
            f"{answered} answered through the site, {done['ended']} programmes ended"
        )
    figures = (
        await http.get(
            f"{URL['mentoring']}/programme/figures",
            params={"as_of": add_months(today, 12).isoformat()},
            headers=operator,
        )
    ).json()
    print(
        f"  figures: {figures['pairs']} pairs, {figures['completed']} completed, "
        f"{figures['ended_early']} ended early, share met {figures['share_met']}, "
        f"mean satisfaction {figures['mean_satisfaction']} "
        f"({figures['checkin_answers']} check-in answers)"
    )
    for row in figures["agencies"]:
        print(
            f"    {row['agency']:24s} gave {row['mentors_given']} mentors, "
            f"received {row['mentors_received']}"
        )


STAFF = [
    ("csn", "Anna Andersson"),
    ("csn", "Bo Berg"),
    ("csn", "Cecilia Ceder"),
    ("skatteverket", "Dan Dahl"),
]
DOMAINS = {"csn": ["csn.se"], "skatteverket": ["skatteverket.se"]}


async def joint_training(http: httpx.AsyncClient, operator: dict[str, str], seed: int) -> None:
    """A course with more CSN staff than CSN's seats: the waitlist, a cancellation, a
    promotion; every step through the mail people receive and the site's pages."""
    print("\n=== A joint training ===")
    course = f"ledarskap-{seed}"
    await http.post(
        f"{URL['trainings']}/courses",
        json={
            "code": course,
            "title": "Ledarskap i staten, grundkurs",
            "description": "Två dagar för nya chefer om att leda i en statlig myndighet, "
            "med kollegor från nätverkets andra myndigheter.",
            "kind": "leadership",
            "host_agency": "skatteverket",
        },
        headers=operator,
    )  # 409 when the demo is played again: the course is there
    upcoming = (await http.get(f"{URL['trainings']}/sessions", params={"course": course})).json()
    if upcoming:
        session = upcoming[0]
    else:
        start = datetime.now(STOCKHOLM).replace(
            hour=9, minute=0, second=0, microsecond=0
        ) + timedelta(days=30)

        async def scheduled():
            answer = await http.post(
                f"{URL['trainings']}/courses/{course}/sessions",
                json={
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(hours=7)).isoformat(),
                    "place": "Skatteverket, Sundsvall",
                    "total_seats": 4,
                    "seats_per_agency": {"csn": 2, "skatteverket": 2},
                    "registration_deadline": (start.date() - timedelta(days=10)).isoformat(),
                },
                headers=operator,
            )
            return answer.json() if answer.status_code == 201 else None

        session = await until("the session to be scheduled", scheduled)
    sid = session["session_id"]
    starts = datetime.fromisoformat(session["starts_at"]).astimezone(STOCKHOLM)
    print(f"  {session['course_title']}, {starts:%Y-%m-%d %H:%M}: {URL['web']}/utbildningar/{sid}")

    addresses = {}
    for agency, name in STAFF:
        first, last = name.lower().split()
        address = f"{first}.{last}.{seed}@{DOMAINS[agency][0]}"
        addresses[name] = address
        if mails_to(address):
            print(f"  {name}: registered when the demo was played before")
            continue

        body = {"name": name, "email": address, "agency": agency}

        async def asked(body: dict = body):
            answer = await http.post(f"{URL['trainings']}/sessions/{sid}/registrations", json=body)
            return answer if answer.status_code in (202, 409) else None

        # The seed gives CSN its domain; trainings has it from membership's events.
        answer = await until(f"{name}'s registration", asked)
        if answer.status_code == 409:
            print(f"  {name}: already registered ({answer.json()['detail']})")
            continue
        link = await _link_for(address, "/utbildningar/bekrafta", set())
        if link is None:
            print(f"  {address}: no confirmation link arrived (is LINK_SIGNING_KEY set?)")
            continue
        await http.post(
            f"{URL['web']}/utbildningar/bekrafta", data={"token": link.split("token=")[1]}
        )
        view = (
            await http.get(
                f"{URL['trainings']}/registrations/confirm",
                params={"token": link.split("token=")[1]},
            )
        ).json()
        where = f"waiting list, place {view['place']}" if view["place"] else "a seat"
        print(f"  {name} ({agency}) confirmed through the site: {where}")

    anna, cecilia = addresses["Anna Andersson"], addresses["Cecilia Ceder"]
    cancel = await _link_for(anna, "/utbildningar/avboka", set())
    if cancel is not None and not [m for m in mails_to(anna) if "avbokad" in subject_of(m)]:
        await http.post(
            f"{URL['web']}/utbildningar/avboka", data={"token": cancel.split("token=")[1]}
        )
        print("  Anna Andersson cancels through the link in her mail")

        async def promoted():
            return [m for m in mails_to(cecilia) if "fått en plats" in subject_of(m)]

        if await until("Cecilia's promotion", promoted, give_up=False):
            print("  Cecilia Ceder is mailed: she has a seat now (first on CSN's waiting list)")
    shown = (await http.get(f"{URL['trainings']}/sessions/{sid}")).json()
    print(f"  seats left: {shown['seats_left']} of {shown['total_seats']}")
    for row in shown["agencies"]:
        print(
            f"    {row['agency']:14s} seats {row['seats']}, registered {row['registered']}, "
            f"waiting {row['waitlisted']}"
        )
    figures = (await http.get(f"{URL['trainings']}/figures", headers=operator)).json()
    print("  figures per agency and course kind (GET /figures, also as CSV):")
    for row in figures:
        print(
            f"    {row['agency']:14s} {row['kind']:10s} offered {row['seats_offered']}, "
            f"used {row['seats_used']}, attended {row['attended']}, waiting {row['waitlisted']}"
        )


PROFILES = {
    "csn": {
        "sv": {
            "tagline": "Vi gör det möjligt att studera",
            "about": "CSN finansierar studier för hundratusentals studerande varje år.",
            "benefits": ["Flextid", "Friskvårdstimme", "Hybridarbete"],
            "contact": "Rekryteringsgruppen, CSN Sundsvall",
        },
        "en": {
            "tagline": "We make studying possible",
            "benefits": ["Flexible hours", "Wellness hour", "Hybrid work"],
        },
    },
    "skatteverket": {
        "sv": {
            "tagline": "Vi finansierar det gemensamma",
            "benefits": ["Flextid", "Kompetensutveckling"],
        }
    },
}


async def one_employer(http: httpx.AsyncClient, operator: dict[str, str], seed: int) -> None:
    """Two agencies' employer profiles (an agency that has one keeps it) and a career day for
    students, on the site's pages for the network as one employer."""
    print("\n=== The network as one employer ===")
    for code, profile in PROFILES.items():
        agency = (await http.get(f"{URL['membership']}/agencies/{code}")).json()
        if agency.get("profile"):
            print(f"  {agency['name']}: keeps its employer profile")
            continue
        await http.patch(
            f"{URL['membership']}/agencies/{code}", json={"profile": profile}, headers=operator
        )
        print(f"  {agency['name']}: employer profile set ({URL['web']}/myndigheter/{code})")
    title = f"Karriärdag för studenter ({seed})"
    planned = (await http.get(f"{URL['outreach']}/open-events")).json()
    event = next((e for e in planned if e["title"]["sv"] == title), None)
    if event is None:
        day = stockholm_today() + timedelta(days=21)
        answer = await http.post(
            f"{URL['outreach']}/open-events",
            json={
                "title": {"sv": title, "en": f"Career day for students ({seed})"},
                "text": {
                    "sv": "Träffa myndigheterna i Sundsvall och hör om examensarbeten, praktik "
                    "och sommarjobb.",
                    "en": "Meet the agencies in Sundsvall: thesis projects, internships and "
                    "summer jobs.",
                },
                "kind": "career_fair",
                "starts_at": f"{day.isoformat()}T10:00:00+01:00",
                "ends_at": f"{day.isoformat()}T15:00:00+01:00",
                "place": "Mittuniversitetet, Campus Sundsvall",
                "hosts": ["csn", "skatteverket", "bolagsverket"],
                "target_groups": ["students"],
                "seats": 150,
                "registration_deadline": (day - timedelta(days=3)).isoformat(),
            },
            headers=operator,
        )
        if answer.status_code != 201:
            print(f"  outreach refused the career day ({answer.status_code}): {answer.text}")
            return
        event = answer.json()
        print("  a career day planned")
    print(f"  {event['title']['sv']}: {URL['web']}/evenemang/{event['id']}")
    await career_day_registrations(http, event, seed)
    await campaign_to_students(http, operator, event, seed)
    print(
        f"  the network as one employer: {URL['web']}/jobba-hos-oss; students: {URL['web']}/student"
    )


STUDENTS = ("Alva Student", "Bilal Student", "Cornelia Student")


async def career_day_registrations(http: httpx.AsyncClient, event: dict, seed: int) -> None:
    """Three students register on the site, say yes to news, and confirm from their mail."""
    for name in STUDENTS:
        address = f"{name.split()[0].lower()}.{seed}@student.example.org"
        if any("Du har en plats" in subject_of(m) for m in mails_to(address)):
            print(f"  {name}: registered for the career day before")
            continue
        await http.post(
            f"{URL['web']}/evenemang/{event['id']}",
            data={"name": name, "email": address, "language": "sv", "news": "yes"},
        )
        link = await _link_for(address, "/evenemang/bekrafta", set())
        if link is None:
            print(f"  {address}: no confirmation link arrived (is LINK_SIGNING_KEY set?)")
            continue
        await http.post(f"{URL['web']}/evenemang/bekrafta", data={"token": link.split("token=")[1]})
        view = (
            await http.get(
                f"{URL['outreach']}/registrations/confirm",
                params={"token": link.split("token=")[1]},
            )
        ).json()
        where = f"waiting list, place {view['place']}" if view["place"] else "a seat"
        print(f"  {name} registered for the career day, confirmed from the mail: {where}")


async def campaign_to_students(
    http: httpx.AsyncClient, operator: dict[str, str], event: dict, seed: int
) -> None:
    """A campaign to the students who said yes to news, sent today, with its figures."""
    today = stockholm_today()
    body = {
        "agencies": ["csn", "skatteverket"],
        "audience": {"target_groups": ["students"]},
        "subject": {
            "sv": f"Välkommen till karriärdagen ({seed})",
            "en": "Welcome to the career day",
        },
        "text": {
            "sv": "Myndigheterna i Sundsvall berättar om examensarbeten, praktik och sommarjobb.",
            "en": "The agencies in Sundsvall tell you about theses, internships and summer jobs.",
        },
        "link": f"https://myndnet.se/evenemang/{event['id']}",
        "window": {
            "first_day": today.isoformat(),
            "last_day": today.isoformat(),
            "from_hour": 0,
            "to_hour": 24,
            "weekdays_only": False,
        },
    }

    async def consents_arrived() -> int | None:
        answer = await http.post(
            f"{URL['notify']}/campaigns/audience", json=body["audience"], headers=operator
        )
        count = answer.json().get("count", 0) if answer.status_code == 200 else 0
        return count if count >= len(STUDENTS) else None

    await until("the students' yes to news in notify", consents_arrived, timeout=20, give_up=False)
    answer = await http.post(f"{URL['outreach']}/campaigns", json=body, headers=operator)
    if answer.status_code != 201:
        print(f"  outreach refused the campaign ({answer.status_code}): {answer.text}")
        return
    campaign = answer.json()["id"]
    audience = (
        await http.get(f"{URL['outreach']}/campaigns/{campaign}/audience", headers=operator)
    ).json()
    print(f"  a campaign to students planned: {audience['count']} people in its audience")
    await http.post(f"{URL['outreach']}/campaigns/{campaign}/schedule", headers=operator)

    async def sent() -> dict | None:
        await http.post(f"{URL['outreach']}/schedule/run", headers=operator)
        figures = (
            await http.get(f"{URL['outreach']}/campaigns/{campaign}", headers=operator)
        ).json()
        done = (
            figures["audience"]
            and figures["sent"] + figures["skipped_by_cap"] >= figures["audience"]
        )
        return figures if done else None

    figures = await until("the campaign's mail", sent, timeout=30, give_up=False)
    if figures is None:
        print("  the campaign has not gone out yet")
        return
    print(
        f"  the campaign was decided for everyone in its audience: audience "
        f"{figures['audience']}, sent {figures['sent']}, "
        f"skipped by the cap {figures['skipped_by_cap']}, link visits {figures['link_visits']}, "
        f"news withdrawn {figures['news_withdrawn']}"
    )
    if figures["skipped_by_cap"]:
        print(
            "  (those skipped had their CAMPAIGN_CAP of campaign mails in 30 days from earlier "
            "plays; they are counted, never mailed later)"
        )


# Two assignments: SPV asks for an information-security specialist, Bolagsverket for a
# procurement lawyer; a CSN specialist takes the first.
ASSIGNMENTS = [
    (
        "spv",
        "Informationssäkerhetsspecialist, tre månader",
        "Vi behöver förstärkning inför en ny e-tjänst för pensionsbesked: riskanalyser, "
        "klassning av information och stöd till utvecklingsteamet.",
        ["informationssäkerhet", "säkerhetsskydd"],
        50,
        "loan",
    ),
    (
        "bolagsverket",
        "Upphandlingsjurist för ett ramavtal",
        "Ett halvår med upphandlingen av nya registersystem, tillsammans med vår inköpsfunktion.",
        ["upphandling", "juridik"],
        80,
        "secondment",
    ),
]
COORDINATORS = {
    "spv": "samordnare@spv.se",
    "bolagsverket": "samordnare@bolagsverket.se",
    "csn": "samordnare@csn.se",
}


async def shared_specialists(http: httpx.AsyncClient, operator: dict[str, str], seed: int) -> None:
    """Two assignments posted by their agencies' HR systems; a CSN specialist says they are
    interested in SPV's, SPV's coordinator picks them, CSN's approves and they confirm, each
    from the link in their mail. An agency without a coordinator gets the demo's."""
    print("\n=== Specialists shared between agencies ===")
    for code, address in COORDINATORS.items():
        agency = (await http.get(f"{URL['membership']}/agencies/{code}")).json()
        if not agency.get("coordinators"):
            await http.patch(
                f"{URL['membership']}/agencies/{code}",
                json={"coordinators": [address]},
                headers=operator,
            )
            print(f"  {agency['name']}: coordinator {address}")
    today = stockholm_today()
    for index, (code, title, text, skills, percent, kind) in enumerate(ASSIGNMENTS, start=1):
        await publish(
            code,
            AssignmentPosted(
                assignment_id=f"DEMO{seed}-U{index}",
                revision=1,
                title=title,
                description=text,
                skills=skills,
                percent=percent,
                first_day=today + timedelta(days=45),
                last_day=today + timedelta(days=45 + 90 * index),
                municipality="Sundsvall",
                remote="hybrid",
                kind=kind,
                answer_by=today + timedelta(days=21),
            ),
        )
    person = f"specialist.{seed}@csn.se"
    staff = {**operator, "X-Acting-For": person}

    first = f"DEMO{seed}-U1"

    async def first_posted():
        answer = await http.get(f"{URL['exchange']}/assignments/spv/{first}", headers=staff)
        return answer.status_code == 200 and answer.json()

    known = await until("SPV's assignment", first_posted)
    listed = (await http.get(f"{URL['exchange']}/assignments", headers=staff)).json()
    for a in listed:
        if a["id"].startswith(f"DEMO{seed}-U"):
            print(f"  {a['host_name']}: {a['title']} ({a['percent']} %, {a['kind']})")
    if known["interest"] is not None:
        print(
            f"  {person} said they were interested in an earlier play: SPV's assignment is "
            f"{known['state']}"
        )
        return
    answer = await http.post(
        f"{URL['exchange']}/assignments/spv/{first}/interests",
        json={"note": "Jag arbetar med informationssäkerhet på CSN sedan sex år."},
        headers=staff,
    )
    if answer.status_code != 201:
        print(f"  exchange refused the interest ({answer.status_code}): {answer.text}")
        return
    print(f"  {person} says they are interested in SPV's assignment")
    used: set[str] = set()
    for who, address in (
        ("SPV's coordinator picks them", COORDINATORS["spv"]),
        ("CSN's coordinator approves", COORDINATORS["csn"]),
        ("the specialist confirms", person),
    ):
        link = await _link_for(address, "/uppdrag/svar", used)
        if link is None:
            print(f"  no link came for {address}; the demo stops here")
            return
        token = link.split("token=", 1)[1]
        done = await http.post(
            f"{URL['exchange']}/links/assignment/answer", json={"token": token, "answer": "yes"}
        )
        print(f"  {who} (from the link in the mail): {done.status_code}")
    found = (await http.get(f"{URL['exchange']}/assignments/spv/{first}", headers=staff)).json()
    print(
        f"  SPV's assignment is {found['state']}; the site shows assignments at "
        f"{URL['web']}/internt/uppdrag (signed in)"
    )


async def main(seed: int) -> None:
    rng = random.Random(seed)
    before_this_play = mail_keys()
    configured = os.environ.get("OPERATOR_TOKENS", "").split(";")[0].rpartition("=")[0]
    token = configured or (ROOT / ".run/operator-token").read_text().strip()
    operator = {"Authorization": f"Bearer {token.split('=')[0].split(';')[0]}"}
    async with httpx.AsyncClient(timeout=30) as http:
        print("Candidates subscribe and confirm ...")
        for email, filters, language in CANDIDATES:
            before = len(mails_to(email))
            response = await http.post(
                f"{URL['notify']}/subscriptions",
                json={"email": email, "language": language, "filters": filters},
            )
            if response.status_code == 429:
                print(f"  {email}: signed up recently; keeping the earlier subscription")
                continue

            async def confirmation_arrived(e=email, b=before):
                return len(mails_to(e)) > b and mails_to(e)[-1]

            # The same sign-up again within the hour sends no second confirmation.
            confirmation = await until(
                "a confirmation e-mail", confirmation_arrived, timeout=15, give_up=False
            )
            if confirmation is None:
                print(f"  {email}: a confirmation was sent within the hour; keeping that one")
                continue
            # The link leads to the public site, which confirms it with notify.
            link = re.search(r"http://\S+/bevakning/bekrafta\?token=\S+", text_of(confirmation))
            if link:
                await http.get(link.group(0))
            print(f"  {email} confirmed ({language}, {json.dumps(filters)})")

        print("Agencies publish their vacancies ...")
        published = [vacancy(rng, seed, i, job) for i, job in enumerate(JOBS, start=1)]
        for agency, payload in published:
            await publish(agency, payload)
        revised_agency, revised = published[2]
        await publish(
            revised_agency,
            VacancyUpdated(
                **{
                    **revised.model_dump(),
                    "revision": 2,
                    "application_deadline": revised.application_deadline + timedelta(days=7),
                }
            ),
        )
        withdrawn_agency, withdrawn = published[8]
        await publish(
            withdrawn_agency,
            VacancyWithdrawn(vacancy_id=withdrawn.vacancy_id, revision=2, reason="cancelled"),
        )
        print(
            f"  {len(published)} published; {revised.vacancy_id} got a later deadline; "
            f"{withdrawn.vacancy_id} was withdrawn"
        )

        print("Managers are appointed and mentors volunteer ...")
        for agency, person, name, areas in MANAGERS:
            await publish(
                agency,
                ManagerAppointed(
                    person_id=f"{person}-{seed}",
                    name=name,
                    email=f"{person}.{seed}@{agency}.example.se",
                    title="Enhetschef",
                    start_date=stockholm_today(),
                    competence_areas=areas,
                    municipality="Sundsvall",
                ),
            )
        for agency, person, name, areas, years, capacity in MENTORS:
            await publish(
                agency,
                MentorVolunteered(
                    person_id=f"{person}-{seed}",
                    name=name,
                    email=f"{person}.{seed}@{agency}.example.se",
                    title="Avdelningschef",
                    competence_areas=areas,
                    municipality="Sundsvall",
                    years_as_manager=years,
                    capacity=capacity,
                ),
            )

        async def people_known():
            managers = (await http.get(f"{URL['mentoring']}/managers", headers=operator)).json()
            mentors = (await http.get(f"{URL['mentoring']}/mentors", headers=operator)).json()
            return sum(m["person_id"].endswith(f"-{seed}") for m in managers) >= len(
                MANAGERS
            ) and sum(m["person_id"].endswith(f"-{seed}") for m in mentors) >= len(MENTORS)

        await until("the managers to be known", people_known)
        await http.post(f"{URL['mentoring']}/matching/run", headers=operator)

        async def all_open():
            found = (
                await http.get(f"{URL['vacancies']}/vacancies", params={"q": "", "limit": 100})
            ).json()["items"]
            return sum(v["vacancy_id"].startswith(f"DEMO{seed}-") for v in found) >= len(JOBS) - 1

        await until("the vacancies to be searchable", all_open)
        await asyncio.sleep(3)  # let the e-mail go out

        print("\n=== Open vacancies per agency ===")
        stats = (await http.get(f"{URL['vacancies']}/stats")).json()
        for agency, count in sorted(stats["open_by_agency"].items()):
            print(f"  {agency:24s} {count}")
        print(
            f"  (open in all: {stats['open']}; for students: "
            f"{stats['open_by_target_group'].get('students', 0)})"
        )

        print("\n=== What each candidate received ===")
        for email, _filters, _language in CANDIDATES:
            earlier = len(mails_to(email)) - len(mails_to(email, besides=before_this_play))
            print(f"  {email}:" + (f" (and {earlier} in earlier plays)" if earlier else ""))
            this_play = mails_to(email, besides=before_this_play)
            for message in this_play:
                print(f"    - {make_header(decode_header(message['Subject']))}")
            if not this_play:  # a vacancy already announced is not mailed again
                print("    nothing in this play (its vacancies were mailed when first played)")

        print("\n=== Matches and why ===")
        matches = (await http.get(f"{URL['mentoring']}/matches", headers=operator)).json()
        for match in matches:
            if not match["manager"]["person_id"].endswith(f"-{seed}"):
                continue
            print(
                f"  {match['manager']['name']} ({match['manager']['agency']}) ← mentor "
                f"{match['mentor']['name']} ({match['mentor']['agency']}), "
                f"score {match['score']:.2f}, {match['status']}"
            )
            for reason in match["reasons"]:
                print(f"      · {reason}")
        waiting = (
            await http.get(
                f"{URL['mentoring']}/managers", params={"status": "waiting"}, headers=operator
            )
        ).json()
        for manager in waiting:
            if manager["person_id"].endswith(f"-{seed}"):
                print(f"  {manager['name']} waits: {manager['why_waiting']}")

        await programme_year(http, operator, seed, rng)
        await joint_training(http, operator, seed)
        await one_employer(http, operator, seed)
        await shared_specialists(http, operator, seed)

    print("\n=== The public site ===")
    print(
        f"  {URL['web']}/  (English: {URL['web']}/en/); search, vacancy pages, job alerts, "
        "joint trainings, open events"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(main(parser.parse_args().seed))
