"""The forms of the exchange pages: interest in an assignment and the skills profile. Plain
Python: what was sent, cleaned, and the errors by field (message ids)."""

from dataclasses import dataclass, field
from typing import Any

from myndnet_web.domain.outreach_forms import form_day, form_line, form_text, form_values

NOTE_LONGEST = 1000
SUMMARY_LONGEST = 1000
LANGUAGES = ("sv", "en", "fi", "se", "de", "fr")
OPEN_TO = ("loan", "secondment", "new_post")


@dataclass
class InterestForm:
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: dict[str, str]) -> "InterestForm":
        asked = cls(note=form.get("note", "").replace("\r\n", "\n").strip())
        if len(asked.note) > NOTE_LONGEST:
            asked.errors["note"] = "interest_note_too_long"
        elif any(not (c.isprintable() or c == "\n") for c in asked.note):
            asked.errors["note"] = "interest_note_invalid"
        return asked


@dataclass
class ProfileForm:
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: ["sv"])
    open_to: list[str] = field(default_factory=list)
    summary: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_profile(cls, profile: dict[str, Any] | None) -> "ProfileForm":
        if profile is None:
            return cls()
        return cls(
            list(profile["skills"]),
            list(profile["languages"]),
            list(profile["open_to"]),
            profile.get("summary", ""),
        )

    @classmethod
    def from_form(cls, fields: list[tuple[str, str]], known_skills: list[str]) -> "ProfileForm":
        """`fields` in order, each checkbox once per value ticked."""

        def values(name: str) -> list[str]:
            return list(dict.fromkeys(v for k, v in fields if k == name))

        summary = next((v for k, v in fields if k == "summary"), "")
        asked = cls(
            [s for s in values("skills") if s in known_skills],
            [code for code in values("languages") if code in LANGUAGES] or ["sv"],
            [o for o in values("open_to") if o in OPEN_TO],
            summary.replace("\r\n", "\n").strip(),
        )
        if not asked.skills:
            asked.errors["skills"] = "profile_skills_missing"
        if len(asked.summary) > SUMMARY_LONGEST:
            asked.errors["summary"] = "profile_summary_too_long"
        return asked

    def body(self) -> dict[str, Any]:
        return {
            "skills": self.skills,
            "languages": self.languages,
            "open_to": self.open_to,
            "summary": self.summary,
        }


KINDS = ("loan", "secondment", "gig")
REMOTE = ("on_site", "hybrid", "remote")


@dataclass
class AssignmentForm:
    """An assignment posted in the console, for one of the agencies the coordinator acts for."""

    agency: str = ""
    title: str = ""
    description: str = ""
    skills: list[str] = field(default_factory=list)
    percent: str = "100"
    first_day: str = ""
    last_day: str = ""
    municipality: str = "Sundsvall"
    remote: str = "hybrid"
    kind: str = "loan"
    answer_by: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_pairs(
        cls, pairs: list[tuple[str, str]], may_post_for: set[str], known_skills: list[str]
    ) -> "AssignmentForm":
        form = cls(
            agency=form_line(pairs, "agency", 40),
            title=form_line(pairs, "title"),
            description=form_text(pairs, "description", 20_000),
            skills=[s for s in dict.fromkeys(form_values(pairs, "skills")) if s in known_skills],
            percent=form_line(pairs, "percent", 3),
            first_day=form_line(pairs, "first_day", 10),
            last_day=form_line(pairs, "last_day", 10),
            municipality=form_line(pairs, "municipality", 100),
            remote=form_line(pairs, "remote", 10),
            kind=form_line(pairs, "kind", 12),
            answer_by=form_line(pairs, "answer_by", 10),
        )
        errors = form.errors
        if form.agency not in may_post_for:
            errors["agency"] = "console_assignment_agency_missing"
        if not form.title:
            errors["title"] = "console_assignment_title_missing"
        if not form.description:
            errors["description"] = "console_assignment_text_missing"
        if not form.percent.isdigit() or not 10 <= int(form.percent) <= 100:
            errors["percent"] = "console_assignment_percent_invalid"
        first, last, answer_by = (
            form_day(d) for d in (form.first_day, form.last_day, form.answer_by)
        )
        if first is None:
            errors["first_day"] = "console_day_invalid"
        if last is None:
            errors["last_day"] = "console_day_invalid"
        elif first is not None and last < first:
            errors["last_day"] = "console_assignment_period_backwards"
        if answer_by is None:
            errors["answer_by"] = "console_day_invalid"
        elif first is not None and answer_by > first:
            errors["answer_by"] = "console_assignment_answer_after_start"
        if not form.municipality:
            errors["municipality"] = "console_assignment_place_missing"
        if form.remote not in REMOTE:
            form.remote = "hybrid"
        if form.kind not in KINDS:
            form.kind = "loan"
        return form

    def body(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "skills": self.skills,
            "percent": int(self.percent),
            "first_day": self.first_day,
            "last_day": self.last_day,
            "municipality": self.municipality,
            "remote": self.remote,
            "kind": self.kind,
            "answer_by": self.answer_by,
        }


@dataclass
class StaffAlertForm:
    """An internal alert: occupation fields and one municipality (none: any)."""

    occupation_fields: list[str] = field(default_factory=list)
    municipality: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]], fields: tuple[str, ...]) -> "StaffAlertForm":
        return cls(
            [f for f in dict.fromkeys(form_values(pairs, "occupation_fields")) if f in fields],
            form_line(pairs, "municipality", 100),
        )

    def body(self, language: str) -> dict[str, Any]:
        return {
            "occupation_fields": self.occupation_fields,
            "municipalities": [self.municipality] if self.municipality else [],
            "language": language,
        }
